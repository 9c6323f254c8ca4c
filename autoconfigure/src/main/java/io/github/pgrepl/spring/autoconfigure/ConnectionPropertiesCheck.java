package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;

/**
 * What the binder lets through under {@code pgrepl.connections.<name>.*} and a user does not mean: a key no connection
 * has, which Spring Boot ignores in silence ({@code publication: orders_pub}, {@code pasword: …}), and a duration
 * written as a bare number, which Spring Boot reads as milliseconds ({@code connect-timeout: 10} is 10 ms). Either stops
 * startup naming the key and the fix. Values are never shown but a bare duration's number: a misspelt key may hold a
 * password.
 *
 * <p>Keys under {@code pgrepl.connections.<name>.kafka} belong to the Kafka relay's module and are left to it.
 */
final class ConnectionPropertiesCheck {

    private static final ConfigurationPropertyName CONNECTIONS = ConfigurationPropertyName.of("pgrepl.connections");
    /** A number alone, as YAML or a command line gives it: no unit. */
    private static final Pattern BARE_NUMBER = Pattern.compile("\\s*[-+]?\\d+\\s*");
    /** Suggest a known key only when this close (edits), so that a guess is a likely one. */
    private static final int MAX_SUGGESTION_DISTANCE = 3;

    private ConnectionPropertiesCheck() {
    }

    /**
     * @throws InvalidReplicationPropertyException naming the first bad key (and the others), with the fix
     */
    static void check(Environment environment) {
        if (!(environment instanceof ConfigurableEnvironment configurable)) {
            return;
        }
        List<ConfigurationPropertySource> sources = StreamSupport.stream(
                ConfigurationPropertySources.get(configurable).spliterator(), false)
                .map(source -> source.filter(ConnectionPropertiesCheck::checked)).toList();
        BareDurations bareDurations = new BareDurations();
        Binder binder = new Binder(sources, new PropertySourcesPlaceholdersResolver(configurable));
        List<String> unknown = List.of();
        try {
            binder.bind(CONNECTIONS, Bindable.mapOf(String.class, PgReplProperties.Connection.class),
                    new NoUnboundElementsBindHandler(bareDurations));
        } catch (BindException e) {
            if (e.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
                unknown = unbound.getUnboundProperties().stream().map(ConfigurationProperty::getName)
                        .map(ConfigurationPropertyName::toString).sorted().toList();
            }
            // Else a value that does not convert: the binding of PgReplProperties reports it, with the fix.
        }
        if (!unknown.isEmpty()) {
            throw unknownKeys(unknown);
        }
        if (!bareDurations.found.isEmpty()) {
            ConfigurationProperty first = bareDurations.found.get(0);
            String number = String.valueOf(first.getValue()).strip();
            List<String> others = bareDurations.found.stream().skip(1).map(each -> each.getName().toString()).toList();
            throw new InvalidReplicationPropertyException(first.getName().toString(), "is " + number + " without a unit,"
                    + " which Spring Boot reads as " + number + " milliseconds" + (others.isEmpty() ? ""
                    : "; so are " + String.join(", ", others)), "Write the unit: " + number + "s for seconds, " + number
                    + "ms for milliseconds (or ns, us, m, h, d).");
        }
    }

    /** Under {@code pgrepl.connections}, but not a connection's {@code kafka.*} (the relay's module binds those). */
    private static boolean checked(ConfigurationPropertyName name) {
        if (!CONNECTIONS.isAncestorOf(name)) {
            return false;
        }
        return name.getNumberOfElements() < 4 || !"kafka".equals(name.getElement(3, ConfigurationPropertyName.Form.UNIFORM));
    }

    private static InvalidReplicationPropertyException unknownKeys(List<String> unknown) {
        Set<String> known = knownKeys(PgReplProperties.Connection.class, "");
        List<String> suggestions = new ArrayList<>();
        for (String property : unknown) {
            ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
            String connection = name.getElement(2, ConfigurationPropertyName.Form.ORIGINAL);
            String relative = name.subName(3).toString();
            String prefix = PropertiesValidation.property(connection, "");
            closest(relative, known).ifPresent(key -> suggestions.add(prefix + key + " (not " + property + ")"));
        }
        String others = unknown.size() > 1 ? "; nor are " + String.join(", ", unknown.subList(1, unknown.size())) : "";
        return new InvalidReplicationPropertyException(unknown.get(0), "is not a property of a replication connection, so"
                + " it would be ignored" + others, (suggestions.isEmpty() ? "" : "Did you mean " + String.join(", ",
                suggestions) + "? ") + "Remove or rename it; the properties of a connection are "
                + known.stream().filter(key -> !key.contains(".")).collect(Collectors.joining(", "))
                + " and those under reconnect., listener., snapshot. and ssl.");
    }

    /** The keys of a connection (dashed, nested ones as {@code listener.max-attempts}), from its record components. */
    private static Set<String> knownKeys(Class<?> type, String prefix) {
        Set<String> keys = new LinkedHashSet<>();
        for (RecordComponent component : type.getRecordComponents()) {
            String key = prefix + DataObjectPropertyName.toDashedForm(component.getName());
            if (component.getType().isRecord() && component.getType().getEnclosingClass() == PgReplProperties.class) {
                keys.addAll(knownKeys(component.getType(), key + "."));
            } else {
                keys.add(key);
            }
        }
        return keys;
    }

    private static Optional<String> closest(String key, Set<String> known) {
        return known.stream().filter(candidate -> distance(key, candidate) <= MAX_SUGGESTION_DISTANCE)
                .min(Comparator.comparingInt(candidate -> distance(key, candidate)));
    }

    /** Levenshtein distance: edits from {@code a} to {@code b}. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Records each duration bound from a bare number (not a zero, which needs no unit). */
    private static final class BareDurations extends AbstractBindHandler {

        private final List<ConfigurationProperty> found = new ArrayList<>();

        @Override
        public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Object result) {
            ConfigurationProperty property = context.getConfigurationProperty();
            if (result instanceof Duration duration && !duration.isZero() && property != null
                    && BARE_NUMBER.matcher(String.valueOf(property.getValue())).matches()) {
                found.add(property);
            }
            return super.onSuccess(name, target, context, result);
        }
    }
}
