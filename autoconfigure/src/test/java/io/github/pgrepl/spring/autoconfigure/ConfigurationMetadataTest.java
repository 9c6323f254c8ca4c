package io.github.pgrepl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The configuration metadata that spring-boot-configuration-processor generated in this build, against the property
 * records it comes from and against README's configuration reference: every key of a connection is described, with its
 * default and, for enums, its type (the IDE's value hints); README lists the same keys with the same defaults.
 */
class ConfigurationMetadataTest {

    private static final Path CLASSES = Path.of("target", "classes", "META-INF");
    /** The metadata of the value type of pgrepl.connections, which IDEs use for pgrepl.connections.<name>.*. */
    private static final Path CONNECTION_METADATA = CLASSES.resolve(Path.of("spring", "configuration-metadata",
            PgReplProperties.Connection.class.getName() + ".json"));
    private static final Path METADATA = CLASSES.resolve("spring-configuration-metadata.json");
    private static final Path README = Path.of("..", "README.md");

    @Test
    void everyKeyOfAConnectionIsDescribedWithItsDefaultAndType() throws IOException {
        Map<String, Map<String, Object>> metadata = properties(CONNECTION_METADATA);
        Map<String, Parameter> keys = keys(PgReplProperties.Connection.class, "");

        assertThat(metadata.keySet()).containsExactlyInAnyOrderElementsOf(keys.keySet());
        SoftAssertions softly = new SoftAssertions();
        keys.forEach((key, parameter) -> {
            Map<String, Object> property = metadata.get(key);
            softly.assertThat((String) property.get("description")).as(key).isNotBlank();
            DefaultValue defaultValue = parameter.getAnnotation(DefaultValue.class);
            if (defaultValue != null && defaultValue.value().length > 0) {
                softly.assertThat(String.valueOf(property.get("defaultValue"))).as(key + " default")
                        .isEqualTo(defaultValue.value()[0]);
            }
            if (parameter.getType().isEnum()) {
                softly.assertThat(property.get("type")).as(key + " type, which gives the IDE its values")
                        .isEqualTo(parameter.getType().getName());
            }
        });
        softly.assertAll();
    }

    @Test
    void theConnectionsMapLeadsToTheConnectionTypeAndEveryApplicationWideKeyIsDescribed() throws IOException {
        Map<String, Map<String, Object>> metadata = properties(METADATA);

        assertThat(metadata.get("pgrepl.connections").get("type")).isEqualTo("java.util.Map<java.lang.String,"
                + PgReplProperties.Connection.class.getName() + ">");
        assertThat(metadata).containsKeys("pgrepl.health.reconnect-grace-period", "pgrepl.health.wal-sender-timeout",
                "pgrepl.event-loop.shared", "pgrepl.event-loop.threads");
        metadata.forEach((key, property) -> {
            assertThat((String) property.get("description")).as(key).isNotBlank();
            @SuppressWarnings("unchecked")
            Map<String, Object> deprecation = (Map<String, Object>) property.get("deprecation");
            if (deprecation != null) {
                assertThat(metadata).as(key + "'s replacement").containsKey((String) deprecation.get("replacement"));
            }
        });
    }

    @Test
    void readmeListsEveryKeyOfAConnectionWithItsDefault() throws IOException {
        Map<String, String> readme = readmeTable("## Configuration reference");
        Map<String, Map<String, Object>> metadata = properties(CONNECTION_METADATA);

        assertThat(readme.keySet()).containsExactlyInAnyOrderElementsOf(metadata.keySet());
        assertDefaults(readme, metadata);
    }

    @Test
    void readmeListsEveryApplicationWideKeyWithItsDefault() throws IOException {
        Map<String, String> readme = readmeTable("Application-wide:");
        Map<String, Map<String, Object>> metadata = new TreeMap<>(properties(METADATA));
        metadata.keySet().removeIf(key -> key.equals("pgrepl.connections") || key.startsWith("management.endpoint.")
                || metadata.get(key).containsKey("deprecation"));

        assertThat(readme.keySet()).containsExactlyInAnyOrderElementsOf(metadata.keySet());
        assertDefaults(readme, metadata);
    }

    private static void assertDefaults(Map<String, String> readme, Map<String, Map<String, Object>> metadata) {
        SoftAssertions softly = new SoftAssertions();
        metadata.forEach((key, property) -> {
            Object defaultValue = property.get("defaultValue");
            if (defaultValue != null && !(defaultValue instanceof List<?> list && list.isEmpty())) {
                softly.assertThat(readme.get(key)).as("README's default of " + key).contains("`" + defaultValue + "`");
            }
        });
        softly.assertAll();
    }

    /** Property name to the constructor parameter it binds to, nested records of PgReplProperties flattened. */
    private static Map<String, Parameter> keys(Class<?> record, String prefix) {
        Map<String, Parameter> keys = new LinkedHashMap<>();
        RecordComponent[] components = record.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        try {
            Constructor<?> canonical = record.getDeclaredConstructor(types);
            for (int i = 0; i < components.length; i++) {
                String key = prefix + kebab(components[i].getName());
                Class<?> type = components[i].getType();
                if (type.isRecord() && type.getEnclosingClass() == PgReplProperties.class) {
                    keys.putAll(keys(type, key + "."));
                } else {
                    keys.put(key, canonical.getParameters()[i]);
                }
            }
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        return keys;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static Map<String, Map<String, Object>> properties(Path metadata) throws IOException {
        List<Map<String, Object>> properties = JsonPath.parse(Files.readString(metadata)).read("$.properties[*]");
        Map<String, Map<String, Object>> byName = new TreeMap<>();
        properties.forEach(property -> byName.put((String) property.get("name"), property));
        return byName;
    }

    /** The first table after {@code heading}: each key of its first column (a row may have several) to its default. */
    private static Map<String, String> readmeTable(String heading) throws IOException {
        List<String> lines = Files.readAllLines(README);
        int line = lines.indexOf(heading);
        assertThat(line).as(heading + " in README").isNotNegative();
        while (!lines.get(line).startsWith("|")) {
            line++;
        }
        Map<String, String> table = new TreeMap<>();
        Pattern key = Pattern.compile("`([^`]+)`");
        for (line += 2; line < lines.size() && lines.get(line).startsWith("|"); line++) {
            String[] cells = lines.get(line).split("\\|");
            Matcher keys = key.matcher(cells[1]);
            while (keys.find()) {
                table.put(keys.group(1), cells[2].trim());
            }
        }
        return table;
    }
}
