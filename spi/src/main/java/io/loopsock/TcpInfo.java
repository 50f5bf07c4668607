package io.loopsock;

/**
 * A snapshot of the kernel's TCP_INFO for one connection.
 *
 * <p>Any thread (a value). Times are in microseconds, counts in segments unless named bytes.
 *
 * @param state the TCP state number as the kernel reports it (Linux: 1 is ESTABLISHED)
 * @param rttMicros smoothed round-trip time
 * @param rttVarianceMicros round-trip time variance
 * @param unacked segments sent and not yet acknowledged
 * @param lost segments considered lost
 * @param retransmits retransmissions of the current segment
 * @param totalRetransmits retransmissions over the connection's life
 * @param notSentBytes bytes queued in the kernel and not yet sent
 */
public record TcpInfo(
        int state,
        long rttMicros,
        long rttVarianceMicros,
        int unacked,
        int lost,
        int retransmits,
        long totalRetransmits,
        long notSentBytes) {}
