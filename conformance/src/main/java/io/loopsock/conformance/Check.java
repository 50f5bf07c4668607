package io.loopsock.conformance;

import io.loopsock.conformance.engine.Property;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One property of the suite with the rules it checks and the capabilities it needs.
 *
 * <p>Any thread (a value).
 *
 * @param rules the ids of the rules it checks (see {@link Rules})
 * @param needs the capabilities the backend must declare; without them the check is skipped
 * @param property the property
 */
public record Check(List<String> rules, Set<io.loopsock.spi.Capability> needs, Property<?> property) {
    /**
     * Checks the parts.
     *
     * @param rules at least one rule id
     * @param needs the capabilities
     * @param property the property
     */
    public Check {
        rules = List.copyOf(rules);
        needs = Set.copyOf(needs);
        Objects.requireNonNull(property, "property");
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("a check must name the rules it covers: " + property.name());
        }
    }
}
