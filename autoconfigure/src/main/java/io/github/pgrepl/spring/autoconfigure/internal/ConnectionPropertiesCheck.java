package io.github.pgrepl.spring.autoconfigure.internal;

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
import org.springframework.util.ClassUtils;

/**
 * What the binder lets through under {@code pgrepl.connections.<name>.*} and a user does not mean: a key no connection
 * has, which Spring Boot ignores in silence ({@code publication: orders_pub}, {@code pasword: …}), and a duration
 * written as a bare number, which Spring Boot reads as milliseconds ({@code connect-timeout: 10} is 10 ms). Either stops
 * startup naming the key and the fix. Values are never shown but a bare duration's number: a misspelt key may hold a
 * password.
 *
 * <p>A module checks its own part of a connection's keys: pgrepl-spring-boot-autoconfigure all but {@code kafka.*},
 * pgrepl-kafka those under {@code kafka.}; while pgrepl-kafka is not on the classpath, a {@code kafka.*} key is an error
 * of its own (the relay it configures would not exist).
 */
public final class ConnectionPropertiesCheck {

    /** The first element of the keys of a connection's Kafka relay, which pgrepl-kafka binds and checks. */
    public static final String KAFKA = "kafka";
    private static final String KAFKA_MODULE = "io.github.pgrepl.kafka.KafkaRelay";

    private static final ConfigurationPropertyName CONNECTIONS = ConfigurationPropertyName.of("pgrepl.connections");
    /** A number alone, as YAML or a command line gives it: no unit. */
    private static final Pattern BARE_NUMBER = Pattern.compile("\\s*[-+]?\\d+\\s*");
    /** Suggest a known key only when this close (edits), so that a guess is a likely one. */
    private static final int MAX_SUGGESTION_DISTANCE = 3;

    private ConnectionPropertiesCheck() {
    }

    /**
     * Checks a connection's keys but those of its Kafka relay, against {@code connectionType}.
     *
     * @throws InvalidReplicationPropertyException naming the first bad key (and the others), with the fix
     */
    public static void check(Environment environment, Class<?> connectionType) {
        check(environment, connectionType, false, ClassUtils.isPresent(KAFKA_MODULE, ConnectionPropertiesCheck.class
                .getClassLoader()));
    }

    /**
     * Checks the keys of each connection's Kafka relay ({@code kafka.*}), against {@code connectionType}.
     *
     * @throws InvalidReplicationPropertyException naming the first bad key (and the others), with the fix
     */
    public static void checkKafka(Environment environment, Class<?> connectionType) {
        check(environment, connectionType, true, true);
    }

    private static void check(Environment environment, Class<?> connectionType, boolean kafka, boolean kafkaModule) {
        if (!(environment instanceof ConfigurableEnvironment configurable)) {
            return;
        }
        List<ConfigurationPropertySource> sources = StreamSupport.stream(
                ConfigurationPropertySources.get(configurable).spliterator(), false)
                .map(source -> source.filter(name -> checked(name, kafka, kafkaModule))).toList();
        BareDurations bareDurations = new BareDurations();
        Binder binder = new Binder(sources, new PropertySourcesPlaceholdersResolver(configurable));
        List<String> unknown = List.of();
        try {
            binder.bind(CONNECTIONS, Bindable.mapOf(String.class, connectionType),
                    new NoUnboundElementsBindHandler(bareDurations));
        } catch (BindException e) {
            if (e.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
                unknown = unbound.getUnboundProperties().stream().map(ConfigurationProperty::getName)
                        .map(ConfigurationPropertyName::toString).sorted().toList();
            }
            // Else a value that does not convert: the binding of the properties reports it, with the fix.
        }
        if (!unknown.isEmpty()) {
            List<String> relay = unknown.stream().filter(ConnectionPropertiesCheck::isKafka).toList();
            if (!kafka && !relay.isEmpty()) {
                throw new InvalidReplicationPropertyException(relay.get(0), "configures a Kafka relay, but pgrepl-kafka is"
                        + " not on the classpath, so it would be ignored", "Add the dependency io.github.pgrepl:pgrepl-kafka,"
                        + " or remove the connection's kafka.* properties.");
            }
            throw unknownKeys(unknown, connectionType);
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

    /**
     * Under {@code pgrepl.connections}, and in the part checked: a connection's {@code kafka.*} keys, or the others
     * (with the {@code kafka.*} ones too while there is no relay module to bind them).
     */
    private static boolean checked(ConfigurationPropertyName name, boolean kafka, boolean kafkaModule) {
        if (!CONNECTIONS.isAncestorOf(name)) {
            return false;
        }
        return kafka ? isKafka(name) : !kafkaModule || !isKafka(name);
    }

    private static boolean isKafka(ConfigurationPropertyName name) {
        return name.getNumberOfElements() >= 4 && KAFKA.equals(name.getElement(3, ConfigurationPropertyName.Form.UNIFORM));
    }

    private static boolean isKafka(String name) {
        return isKafka(ConfigurationPropertyName.of(name));
    }

    private static InvalidReplicationPropertyException unknownKeys(List<String> unknown, Class<?> connectionType) {
        Set<String> known = knownKeys(connectionType, "");
        List<String> suggestions = new ArrayList<>();
        for (String property : unknown) {
            ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
            String connection = name.getElement(2, ConfigurationPropertyName.Form.ORIGINAL);
            String relative = name.subName(3).toString();
            String prefix = "pgrepl.connections." + connection + ".";
            closest(relative, known).ifPresent(key -> suggestions.add(prefix + key + " (not " + property + ")"));
        }
        String others = unknown.size() > 1 ? "; nor are " + String.join(", ", unknown.subList(1, unknown.size())) : "";
        return new InvalidReplicationPropertyException(unknown.get(0), "is not a property of a replication connection, so"
                + " it would be ignored" + others, (suggestions.isEmpty() ? "" : "Did you mean " + String.join(", ",
                suggestions) + "? ") + "Remove or rename it; the properties of a connection are " + describe(known) + ".");
    }

    /** The keys as a sentence: those of a connection itself, then the groups of nested ones ({@code ssl.}). */
    private static String describe(Set<String> known) {
        List<String> simple = known.stream().filter(key -> !key.contains(".")).toList();
        Set<String> groups = known.stream().filter(key -> key.contains("."))
                .map(key -> key.substring(0, key.indexOf('.') + 1)).collect(Collectors.toCollection(LinkedHashSet::new));
        if (simple.isEmpty() && groups.size() == 1) {
            return String.join(", ", known); // one group only, as pgrepl-kafka's: its keys are the list
        }
        List<String> groupList = new ArrayList<>(groups);
        String nested = groupList.isEmpty() ? "" : " and those under " + (groupList.size() == 1 ? groupList.get(0)
                : String.join(", ", groupList.subList(0, groupList.size() - 1)) + " and " + groupList.get(groupList.size() - 1));
        return String.join(", ", simple) + nested;
    }

    /** The keys of a connection (dashed, nested ones as {@code listener.max-attempts}), from its record components. */
    private static Set<String> knownKeys(Class<?> type, String prefix) {
        Set<String> keys = new LinkedHashSet<>();
        for (RecordComponent component : type.getRecordComponents()) {
            String key = prefix + DataObjectPropertyName.toDashedForm(component.getName());
            if (component.getType().isRecord() && component.getType().getEnclosingClass() == type.getEnclosingClass()) {
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
