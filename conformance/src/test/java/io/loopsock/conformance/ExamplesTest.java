package io.loopsock.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The examples name what they check, and the suite reads those names right. */
@Timeout(30)
class ExamplesTest {
    @Test
    @DisplayName("rule names: single rules, lists and ranges become catalogue ids")
    void rulesAreReadFromDisplayNames() {
        assertThat(Examples.rulesOf("rule 17: close defers")).containsExactly(Rules.id(17));
        assertThat(Examples.rulesOf("rules 31–33 (libuv): timers")).containsExactly(Rules.id(31), Rules.id(32), Rules.id(33));
        assertThat(Examples.rulesOf("rule 19, 98: cancelled writes")).containsExactly(Rules.id(19), Rules.id(98));
        assertThat(Examples.rulesOf("rule 103, JDK-17: a real EPIPE")).containsExactly(Rules.id(103), Rules.jdk(17));
        assertThat(Examples.rulesOf("rule 52 (decided): restarting")).containsExactly(Rules.id(52));
        assertThat(Examples.rulesOf("loop: execute runs tasks in order")).isEmpty();
        assertThatThrownBy(() -> Examples.rulesOf("closes quickly")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("closes quickly");
    }

    @Test
    @DisplayName("every example names catalogued rules or its area, and most name rules")
    void everyExampleNamesItsRules() {
        Map<String, List<String>> catalogue = Examples.catalogue();
        assertThat(catalogue).hasSizeGreaterThan(200);
        Set<String> rules = new HashSet<>();
        catalogue.values().forEach(rules::addAll);
        assertThat(RuleCatalogue.rules().keySet()).containsAll(rules);
        long named = catalogue.values().stream().filter(r -> !r.isEmpty()).count();
        assertThat(named).as("examples that name rules").isGreaterThan(catalogue.size() / 2);
    }
}
