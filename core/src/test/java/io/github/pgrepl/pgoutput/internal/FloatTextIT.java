package io.github.pgrepl.pgoutput.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.testsupport.PgExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The text of a binary float4 or float8 is the server's own: for tens of thousands of values (random bit patterns,
 * subnormals, powers of two and ten, the extremes) pgrepl prints what {@code float4out}/{@code float8out} print with
 * {@code extra_float_digits = 3}, which pgjdbc (and pgrepl) set.
 */
class FloatTextIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().tls(false).build();

    private static final int RANDOM_VALUES = 20_000;

    @Test
    void float8AsTheServerPrintsIt() {
        Random random = new Random(42);
        List<Double> values = new ArrayList<>(List.of(Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE, Double.MIN_NORMAL,
                Math.nextDown(Double.MIN_NORMAL), 0.1 + 0.2, 1e15, 1e16, 123456789012345678d, 9007199254740993d, 1e-5, 1e-4,
                0.001, 1e22, 1e23, 2e23, 5e-324, 1.7976931348623157e308, -0.0, 100d, 1d / 3));
        for (int i = -1074; i <= 1023; i += 7) {
            values.add(Math.scalb(1.0, i));
        }
        while (values.size() < RANDOM_VALUES) {
            double value = Double.longBitsToDouble(random.nextLong());
            if (!Double.isNaN(value) && !Double.isInfinite(value)) {
                values.add(value);
            }
        }
        List<String> server = serverText(values.stream().map(v -> "'" + v + "'::float8").toList());

        for (int i = 0; i < values.size(); i++) {
            assertThat(FloatText.format(values.get(i), true)).as("float8 %s", values.get(i)).isEqualTo(server.get(i));
        }
    }

    @Test
    void float4AsTheServerPrintsIt() {
        Random random = new Random(43);
        List<Float> values = new ArrayList<>(List.of(Float.MIN_VALUE, Float.MAX_VALUE, Float.MIN_NORMAL, 8.589974e9f, 1e-45f,
                0.1f, 1.2345678f, 16777217f, 1e6f, 123456f, 1e-5f, -0.0f, 3.4028235e38f, 1f / 3));
        for (int i = -149; i <= 127; i += 3) {
            values.add(Math.scalb(1.0f, i));
        }
        while (values.size() < RANDOM_VALUES) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (!Float.isNaN(value) && !Float.isInfinite(value)) {
                values.add(value);
            }
        }
        List<String> server = serverText(values.stream().map(v -> "'" + v + "'::float4").toList());

        for (int i = 0; i < values.size(); i++) {
            assertThat(FloatText.format(values.get(i), false)).as("float4 %s", values.get(i)).isEqualTo(server.get(i));
        }
    }

    /** The server's text of each literal, in order (pgjdbc sets extra_float_digits = 3, as pgrepl does). */
    private static List<String> serverText(List<String> literals) {
        StringBuilder sql = new StringBuilder("SELECT v::text FROM (VALUES ");
        for (int i = 0; i < literals.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append('(').append(i).append(", ").append(literals.get(i)).append(')');
        }
        sql.append(") AS t(i, v) ORDER BY i");
        return pg.server().query(sql.toString()).stream().map(row -> row.get(0)).toList();
    }
}
