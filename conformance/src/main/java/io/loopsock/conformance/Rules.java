package io.loopsock.conformance;

/**
 * Names the behaviour rules the suite checks: one id per rule of the reference catalogue, made of
 * the area and the rule's number there, so that {@code TCP-96} is rule 96 of
 * shared/reference/libuv-pyuv-gevent.md and {@code JDK-21} rule 21 of section (a) of
 * shared/reference/java-anchors.md. docs/conformance-rules.md lists them all, with their status.
 *
 * <p>Any thread.
 */
public final class Rules {
    private Rules() {}

    /**
     * Returns the id of a rule of the libuv/pyuv/gevent catalogue.
     *
     * @param number the rule's number, 1 to 227
     * @return the id, e.g. {@code TCP-96}
     */
    public static String id(int number) {
        String area;
        if (number < 1 || number > 227) {
            throw new IllegalArgumentException("no rule " + number);
        } else if (number <= 16) {
            area = "LOOP";
        } else if (number <= 30) {
            area = "HANDLE";
        } else if (number <= 46) {
            area = "TIMER";
        } else if (number <= 63) {
            area = "WATCHER";
        } else if (number <= 120) {
            area = "TCP";
        } else if (number <= 141) {
            area = "UDP";
        } else if (number <= 152) {
            area = "PIPE";
        } else if (number <= 156) {
            area = "DNS";
        } else if (number <= 193) {
            area = "SOCKET";
        } else if (number <= 209) {
            area = "MAKEFILE";
        } else if (number <= 216) {
            area = "OPTION";
        } else if (number <= 222) {
            area = "ERROR";
        } else {
            area = "COOP";
        }
        return area + "-" + number;
    }

    /**
     * Returns the id of a rule of the JDK catalogue.
     *
     * @param number the rule's number in java-anchors.md section (a), 1 to 34
     * @return the id, e.g. {@code JDK-21}
     */
    public static String jdk(int number) {
        if (number < 1 || number > 34) {
            throw new IllegalArgumentException("no JDK rule " + number);
        }
        return "JDK-" + number;
    }
}
