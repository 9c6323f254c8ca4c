package io.github.pgrepl.kafka.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;

import java.io.IOException;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The metadata spring-boot-configuration-processor generated for a connection's {@code kafka.*} keys (the IDE's
 * descriptions, defaults and completion under {@code pgrepl.connections.<name>.}), against the property record and
 * README's table of the relay's properties.
 */
class KafkaConfigurationMetadataTest {

    private static final Path CONNECTION_METADATA = Path.of("target", "classes", "META-INF", "spring",
            "configuration-metadata", PgReplKafkaProperties.Connection.class.getName() + ".json");
    private static final String README_TABLE = "| property (under `pgrepl.connections.<name>.kafka.`) | default | meaning |";

    @Test
    void everyKeyOfTheRelayIsDescribedWithItsDefaultAndListedInTheReadme() throws IOException, NoSuchMethodException {
        List<Map<String, Object>> generated = JsonPath.parse(Files.readString(CONNECTION_METADATA)).read("$.properties[*]");
        Map<String, Map<String, Object>> metadata = new TreeMap<>();
        generated.forEach(property -> metadata.put((String) property.get("name"), property));
        Parameter[] parameters = PgReplKafkaProperties.Kafka.class.getDeclaredConstructor(
                Arrays.stream(PgReplKafkaProperties.Kafka.class.getRecordComponents()).map(RecordComponent::getType)
                        .toArray(Class<?>[]::new)).getParameters();
        RecordComponent[] components = PgReplKafkaProperties.Kafka.class.getRecordComponents();
        Map<String, String> readme = readmeTable();

        assertThat(metadata.keySet()).containsExactlyInAnyOrderElementsOf(Arrays.stream(components)
                .map(component -> "kafka." + kebab(component.getName())).collect(Collectors.toList()));
        SoftAssertions softly = new SoftAssertions();
        for (int i = 0; i < components.length; i++) {
            String key = kebab(components[i].getName());
            Map<String, Object> property = metadata.get("kafka." + key);
            softly.assertThat((String) property.get("description")).as(key).isNotBlank();
            softly.assertThat(readme).as("README's table of the relay's properties").containsKey(key);
            DefaultValue defaultValue = parameters[i].getAnnotation(DefaultValue.class);
            if (defaultValue != null && defaultValue.value().length > 0) {
                softly.assertThat(String.valueOf(property.get("defaultValue"))).as(key + " default")
                        .isEqualTo(defaultValue.value()[0]);
                softly.assertThat(readme.get(key)).as("README's default of " + key).contains("`" + defaultValue.value()[0] + "`");
            }
        }
        softly.assertAll();
    }

    /** The relay's table in README: each key (a map key's {@code [..]} left out) to its default cell. */
    private static Map<String, String> readmeTable() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        int line = lines.indexOf(README_TABLE);
        assertThat(line).as("the relay's table in README").isNotNegative();
        Map<String, String> table = new TreeMap<>();
        for (line += 2; line < lines.size() && lines.get(line).startsWith("|"); line++) {
            String[] cells = lines.get(line).split("\\|");
            table.put(cells[1].trim().replaceAll("`|\\[.*]", ""), cells[2].trim());
        }
        return table;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }
}
