package io.github.pgrepl.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.Lsn;

import org.junit.jupiter.api.Test;

class FailoverSlotsTest {

    @Test
    void readsWhereATimelineEndedFromAHistoryFile() {
        String history = "1\t0/3000158\tno recovery target specified\n\n2\t0/5000000\tno recovery target specified\n";

        assertThat(FailoverSlots.switchpoint(history, 1)).isEqualTo(Lsn.parse("0/3000158"));
        assertThat(FailoverSlots.switchpoint(history, 2)).isEqualTo(Lsn.parse("0/5000000"));
        assertThat(FailoverSlots.switchpoint(history, 3)).isNull();
        assertThat(FailoverSlots.switchpoint("", 1)).isNull();
    }

    @Test
    void warnsAboutWhatAPrimaryLeavesOpenInAFailover() {
        assertThat(FailoverSlots.primaryWarnings("s", "db:5432", "standby1", "standby1")).isEmpty();
        assertThat(FailoverSlots.primaryWarnings("s", "db:5432", "", "a,b")).singleElement().asString()
                .contains("synchronized_standby_slots = 'a,b'");
        assertThat(FailoverSlots.primaryWarnings("s", "db:5432", "", null)).hasSize(2);
    }
}
