package io.github.pgrepl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class ActionTest {

    @Test
    void theFactoriesBuildTheRecordsAHandlerCanLookInto() {
        byte[] ack = {'r'};

        assertThat(Action.noReply()).isEqualTo(new Action.NoReply(java.util.List.of()));
        assertThat(Action.noReply(ack).acks()).containsExactly(ack);
        assertThat(Action.query("SELECT 1")).isEqualTo(new Action.Query("SELECT 1", null));
        assertThat(Action.query("SELECT 1", Duration.ofSeconds(2))).isEqualTo(new Action.Query("SELECT 1", Duration.ofSeconds(2)));
        assertThat(Action.stream("COPY t TO STDOUT")).isEqualTo(new Action.Stream("COPY t TO STDOUT", Action.DEFAULT_MAX_MESSAGES));
        assertThat(Action.stream("COPY t TO STDOUT", 7)).isEqualTo(new Action.Stream("COPY t TO STDOUT", 7));
        assertThat(Action.disconnect("bye")).isEqualTo(new Action.Disconnect("bye"));
        NonTransientReplicationException missing = new NonTransientReplicationException("publication \"p\" does not exist");
        assertThat(Action.disconnect(missing)).isEqualTo(new Action.Disconnect(missing.getMessage(), missing));
        assertThat(Action.standby("slot busy")).isEqualTo(new Action.Standby("slot busy"));
        assertThat(Action.noReplyAndPause(ack)).isInstanceOf(Action.NoReplyAndPause.class);
        assertThat(Action.noReplyAndPause(ack).acks()).containsExactly(ack);
        assertThat(Action.noReplyAndResume()).isInstanceOf(Action.NoReplyAndResume.class);
        assertThat(Action.noReplyAndResume().acks()).isEmpty();
        assertThat(Action.query("SELECT 1").acks()).isEmpty();
    }

    @Test
    void anActionWithoutAcksIsShared() {
        assertThat(Action.noReply()).isSameAs(Action.noReply(new byte[0][]));
        assertThat(Action.noReplyAndPause()).isSameAs(Action.noReplyAndPause((byte[][]) null));
        assertThat(Action.noReplyAndResume()).isSameAs(Action.noReplyAndResume());
    }

    @Test
    void refusesWhatCannotRun() {
        assertThatThrownBy(() -> Action.noReply(new byte[] {1}, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("An ack must not be null");
        assertThatThrownBy(() -> Action.query(" ")).hasMessage("The query must not be empty");
        assertThatThrownBy(() -> Action.query("SELECT 1", Duration.ZERO)).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> Action.stream("COPY t TO STDOUT", 0)).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> Action.disconnect((String) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Action.disconnect((ReplicationException) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theAcksCannotBeChangedThroughTheAction() {
        byte[][] acks = {{1}, {2}};
        Action action = Action.noReply(acks);
        acks[0] = new byte[] {9};

        assertThat(action.acks()).hasSize(2).first().isEqualTo(new byte[] {1});
        assertThatThrownBy(() -> action.acks().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(action).hasToString("NoReply(2 acks)");
    }
}
