package io.loopsock.conformance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every rule of the reference catalogues with its status for loopsock: applicable, decided
 * differently (still checked, against loopsock's decision), or not applicable with the reason.
 * Read from {@code rules.tsv} next to this class; docs/conformance-rules.md shows it as tables.
 *
 * <p>Any thread (immutable once loaded).
 */
public final class RuleCatalogue {

    /** A rule's status. */
    public enum Status {
        /** The rule applies as written. */
        APPLICABLE,
        /** loopsock decides differently; the rule is checked against that decision. */
        DECIDED,
        /** The rule concerns something loopsock leaves out on purpose. */
        NOT_APPLICABLE
    }

    /**
     * One rule.
     *
     * @param id the id (see {@link Rules})
     * @param status the status
     * @param summary the rule in a few words
     * @param reason why not applicable, or what loopsock decides instead; empty otherwise
     */
    public record Rule(String id, Status status, String summary, String reason) {
        /**
         * Tells whether the suite must cover it.
         *
         * @return true unless not applicable
         */
        public boolean applicable() {
            return status != Status.NOT_APPLICABLE;
        }
    }

    private static final class Loaded {
        static final Map<String, Rule> RULES = load();
    }

    private RuleCatalogue() {}

    /**
     * Returns every rule, in catalogue order.
     *
     * @return the rules by id
     */
    public static Map<String, Rule> rules() {
        return Loaded.RULES;
    }

    private static Map<String, Rule> load() {
        Map<String, Rule> rules = new LinkedHashMap<>();
        try (InputStream in = RuleCatalogue.class.getResourceAsStream("rules.tsv")) {
            if (in == null) {
                throw new IllegalStateException("rules.tsv is missing next to " + RuleCatalogue.class.getName());
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String header = reader.readLine();
            if (header == null || !header.startsWith("id\tstatus")) {
                throw new IllegalStateException("rules.tsv has no header line");
            }
            String line;
            int number = 1;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                List<String> fields = new ArrayList<>(List.of(line.split("\t", -1)));
                while (fields.size() < 4) {
                    fields.add("");
                }
                Status status = switch (fields.get(1).strip()) {
                    case "applicable" -> Status.APPLICABLE;
                    case "decided" -> Status.DECIDED;
                    case "not-applicable" -> Status.NOT_APPLICABLE;
                    default -> throw new IllegalStateException("rules.tsv line " + number + ": unknown status " + fields.get(1));
                };
                Rule rule = new Rule(fields.get(0).strip(), status, fields.get(2).strip(), fields.get(3).strip());
                if (rules.putIfAbsent(rule.id(), rule) != null) {
                    throw new IllegalStateException("rules.tsv line " + number + ": " + rule.id() + " appears twice");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rules.tsv", e);
        }
        return java.util.Collections.unmodifiableMap(rules);
    }
}
