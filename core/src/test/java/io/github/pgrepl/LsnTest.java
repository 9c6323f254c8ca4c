package io.github.pgrepl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LsnTest {

    @ParameterizedTest
    @ValueSource(strings = {"0/0", "16/B374D848", "FFFFFFFF/FFFFFFFF", "1/0", "0/1"})
    void roundTrips(String text) {
        assertThat(Lsn.parse(text).toString()).isEqualTo(text);
    }

    @Test
    void parsesHighAndLowHalves() {
        assertThat(Lsn.parse("16/B374D848").value()).isEqualTo(0x16_B374D848L);
        assertThat(Lsn.parse("16/b374d848")).isEqualTo(Lsn.parse("16/B374D848"));
        assertThat(Lsn.parse("0/0")).isEqualTo(Lsn.ZERO);
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF")).isEqualTo(Lsn.MAX);
    }

    @Test
    void ordersUnsigned() {
        Lsn small = Lsn.parse("7FFFFFFF/FFFFFFFF");
        Lsn large = Lsn.parse("80000000/0");
        assertThat(small).isLessThan(large);
        assertThat(Lsn.MAX).isGreaterThan(large);
        assertThat(Lsn.ZERO).isLessThan(Lsn.parse("0/1"));
        assertThat(large.isAfter(small)).isTrue();
        assertThat(Lsn.max(small, large)).isEqualTo(large);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0123ABC", "/0123ABC", "0123ABC/", "123G/0", "123456789/0", "0/123456789", "-1/0", "0/-1",
            "", "/", "1/2/3", " 1/2", "1 /2"})
    void rejectsMalformed(String text) {
        assertThatThrownBy(() -> Lsn.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid LSN")
                .hasMessageContaining("16/B374D848");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> Lsn.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void arithmetic() {
        assertThat(Lsn.parse("1/0").plus(16)).isEqualTo(Lsn.parse("1/10"));
        assertThat(Lsn.parse("1/10").minus(Lsn.parse("1/0"))).isEqualTo(16);
    }
}
