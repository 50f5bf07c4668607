package io.loopsock.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rule table in docs/conformance-rules.md says what rules.tsv says. */
@Timeout(30)
class RuleCatalogueTest {
    private static final Pattern ROW = Pattern.compile("^\\| ([A-Z]+-\\d+) \\| .* \\| (applicable|decided: .*|n/a: .*) \\|$");

    @Test
    @DisplayName("docs/conformance-rules.md lists every catalogued rule with the catalogue's status and reason")
    void docsMatchTheCatalogue() throws Exception {
        Path docs = Path.of(System.getProperty("user.dir")).resolveSibling("docs").resolve("conformance-rules.md");
        Map<String, String> documented = new LinkedHashMap<>();
        for (String line : Files.readAllLines(docs)) {
            Matcher row = ROW.matcher(line);
            if (row.matches()) {
                documented.put(row.group(1), row.group(2));
            }
        }
        Map<String, String> catalogued = new LinkedHashMap<>();
        RuleCatalogue.rules().values().forEach(rule -> catalogued.put(rule.id(), switch (rule.status()) {
            case APPLICABLE -> "applicable";
            case DECIDED -> "decided: " + rule.reason();
            case NOT_APPLICABLE -> "n/a: " + rule.reason();
        }));
        assertThat(documented).containsExactlyEntriesOf(catalogued);
    }
}
