package io.github.pgrepl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A config is a snapshot of its builder: neither the builder nor a builder from toBuilder() changes it later. */
class ConnectionConfigCopiesTest {

    @Test
    void changingTheBuilderAfterBuildChangesNoConfig() {
        ConnectionConfig.Builder builder = ConnectionConfig.builder().user("app").host("db1").parameter("search_path", "app");
        ConnectionConfig config = builder.build();

        builder.host("db2").user("other").parameter("lock_timeout", "1s");

        assertThat(config.host()).isEqualTo("db1");
        assertThat(config.user()).isEqualTo("app");
        assertThat(config.parameters()).containsOnlyKeys("search_path");
    }

    @Test
    void toBuilderCarriesTheResolvedSettingsAndChangesACopy() {
        ConnectionConfig config = ConnectionConfig.builder().user("app").parameter("search_path", "app").build();

        ConnectionConfig changed = config.toBuilder().user("other").parameter("lock_timeout", "1s").build();

        assertThat(changed.database()).as("the database as resolved from the first user").isEqualTo("app");
        assertThat(changed.parameters()).containsOnlyKeys("search_path", "lock_timeout");
        assertThat(config.user()).isEqualTo("app");
        assertThat(config.parameters()).containsOnlyKeys("search_path");
        assertThatThrownBy(() -> config.parameters().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }
}
