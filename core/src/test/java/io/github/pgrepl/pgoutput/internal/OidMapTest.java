package io.github.pgrepl.pgoutput.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OidMapTest {

    @Test
    void agreesWithAHashMapOverManyOidsIncludingUnsignedOnes() {
        OidMap<String> map = new OidMap<>();
        Map<Integer, String> expected = new HashMap<>();
        Random random = new Random(17);
        for (int n = 0; n < 5_000; n++) {
            // Sequential table OIDs, collisions on purpose, and OIDs above 2^31 (negative as ints).
            int oid = n % 3 == 0 ? 16_384 + n : n % 3 == 1 ? random.nextInt(64) : random.nextInt();
            map.put(oid, "v" + n);
            expected.put(oid, "v" + n);
        }
        assertThat(map.size()).isEqualTo(expected.size());
        expected.forEach((oid, value) -> assertThat(map.get(oid)).isEqualTo(value));
        assertThat(map.get(Integer.MIN_VALUE + 7)).isEqualTo(expected.get(Integer.MIN_VALUE + 7));
    }

    @Test
    void replacesAndClears() {
        OidMap<String> map = new OidMap<>();
        map.put(0, "zero");
        map.put(16_385, "a");
        map.put(16_385, "b");
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.get(16_385)).isEqualTo("b");
        assertThat(map.get(0)).isEqualTo("zero");
        assertThat(map.get(1)).isNull();
        map.clear();
        assertThat(map.size()).isZero();
        assertThat(map.get(16_385)).isNull();
        map.put(16_385, "c");
        assertThat(map.get(16_385)).isEqualTo("c");
    }

    @Test
    void refusesNullValues() {
        assertThatThrownBy(() -> new OidMap<String>().put(1, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
