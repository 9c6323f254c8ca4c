package io.github.pgrepl.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PgOutputHandlerBuilderTest {

    @Test
    void aHandlerKeepsTheOptionsItWasBuiltWith() {
        PgOutputHandler.Builder builder = PgOutputHandler.builder(event -> { }).slot("orders_slot").publications("orders_pub");
        PgOutputHandler handler = builder.build();

        builder.slot("other_slot").publications("other_pub");

        assertThat(handler.slot()).isEqualTo("orders_slot");
        assertThat(handler.publications()).containsExactly("orders_pub");
        assertThat(builder.build().slot()).isEqualTo("other_slot");
    }

    @Test
    void refusesWhatCannotStream() {
        assertThatThrownBy(() -> PgOutputHandler.builder(event -> { }).publications("p").build()).hasMessage("slot is required");
        assertThatThrownBy(() -> PgOutputHandler.builder(event -> { }).slot("s").build())
                .hasMessage("at least one publication is required");
        assertThatThrownBy(() -> PgOutputHandler.builder(event -> { }).slot("Orders")).hasMessageContaining("Invalid replication slot");
    }
}
