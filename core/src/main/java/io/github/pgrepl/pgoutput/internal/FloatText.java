package io.github.pgrepl.pgoutput.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * {@code float4out} and {@code float8out} as PostgreSQL 12 and later print with {@code extra_float_digits > 0}
 * (pgrepl sets 3): the shortest digits that read back to the same value (strictly inside its rounding interval),
 * the closest to it when several do, the even one on a tie (PostgreSQL's Ryu), in plain notation for decimal exponents from -4 up to (excluding) 6 for float4 or 15 for
 * float8, else as {@code 1.5e+20} / {@code 5e-324}. Java's own {@code toString} is not always shortest (it prints
 * {@code 4.9E-324} for {@code 5e-324}), so the digits are searched for here.
 */
final class FloatText {

    private static final int MAX_FLOAT_DIGITS = 9;
    private static final int MAX_DOUBLE_DIGITS = 17;

    private FloatText() {
    }

    static String format(double value, boolean isDouble) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        if (value == 0) {
            return 1 / value < 0 ? "-0" : "0";
        }
        BigDecimal decimal = shortest(Math.abs(value), isDouble).stripTrailingZeros();
        String digits = decimal.unscaledValue().toString();
        int exponent = digits.length() - 1 - decimal.scale();
        StringBuilder out = new StringBuilder(24);
        if (value < 0) {
            out.append('-');
        }
        if (exponent >= -4 && exponent < (isDouble ? 15 : 6)) {
            return out.append(decimal.toPlainString()).toString();
        }
        out.append(digits.charAt(0));
        if (digits.length() > 1) {
            out.append('.').append(digits, 1, digits.length());
        }
        out.append('e').append(exponent < 0 ? '-' : '+');
        int magnitude = Math.abs(exponent);
        if (magnitude < 10) {
            out.append('0');
        }
        return out.append(magnitude).toString();
    }

    /**
     * The shortest decimal that reads back as {@code value} (positive, finite). If n digits read back, so do n + 1,
     * so the length is found by bisection; at each length only the two neighbours of the exact value can qualify.
     */
    private static BigDecimal shortest(double value, boolean isDouble) {
        BigDecimal exact = new BigDecimal(value); // a float widens to double exactly
        Interval interval = new Interval(value, isDouble);
        int low = 1;
        int high = isDouble ? MAX_DOUBLE_DIGITS : MAX_FLOAT_DIGITS;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (candidate(exact, middle, interval) != null) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        BigDecimal found = candidate(exact, low, interval);
        if (found == null) {
            throw new IllegalStateException("no " + low + "-digit decimal reads back as " + value); // cannot happen
        }
        return found;
    }

    /** The n-digit decimal closest to {@code exact} that reads back as the same value, or {@code null}. */
    private static BigDecimal candidate(BigDecimal exact, int digits, Interval interval) {
        BigDecimal below = exact.round(new MathContext(digits, RoundingMode.FLOOR));
        BigDecimal above = exact.round(new MathContext(digits, RoundingMode.CEILING));
        boolean belowReads = interval.contains(below);
        boolean aboveReads = interval.contains(above);
        if (belowReads && aboveReads && below.compareTo(above) != 0) {
            int closer = exact.subtract(below).compareTo(above.subtract(exact));
            if (closer != 0) {
                return closer < 0 ? below : above;
            }
            return below.unscaledValue().testBit(0) ? above : below; // a tie: the even last digit
        }
        return belowReads ? below : aboveReads ? above : null;
    }

    /**
     * The decimals that read back as one float or double: those nearer to it than to either neighbour. The halfway
     * points are left out even where round-half-to-even would read them back: PostgreSQL builds Ryu without
     * STRICTLY_SHORTEST ({@code acceptBounds = false}), so it prints {@code 9.999999999999999e+22}, not {@code 1e+23}.
     * Computed exactly, with no parser in the loop.
     */
    private static final class Interval {

        private static final BigDecimal HALF = new BigDecimal("0.5");

        private final BigDecimal low;
        private final BigDecimal high;

        Interval(double value, boolean isDouble) {
            BigDecimal exact = new BigDecimal(value);
            double up = isDouble ? Math.nextUp(value) : Math.nextUp((float) value);
            double down = isDouble ? Math.nextDown(value) : Math.nextDown((float) value);
            // Past the largest finite value, the next step up (which rounds to infinity) is one ulp.
            BigDecimal next = Double.isInfinite(up)
                    ? exact.add(new BigDecimal(isDouble ? Math.ulp(value) : (double) Math.ulp((float) value)))
                    : new BigDecimal(up);
            this.high = exact.add(next).multiply(HALF);
            this.low = exact.add(new BigDecimal(down)).multiply(HALF);
        }

        boolean contains(BigDecimal decimal) {
            return decimal.compareTo(low) > 0 && decimal.compareTo(high) < 0;
        }
    }
}
