package io.github.pgrepl.pgoutput.internal;

import java.math.BigDecimal;

/**
 * {@code float4out} and {@code float8out} with the default {@code extra_float_digits = 1}: the
 * shortest digits that read back to the same value, in plain notation for decimal exponents from
 * -4 up to (excluding) 6 for float4 or 15 for float8, else as {@code 1.5e+20} / {@code 1e-05}.
 * The digits come from Java's {@code toString}, which is the shortest form in almost every case.
 */
final class FloatText {

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
        String javaText = isDouble ? Double.toString(value) : Float.toString((float) value);
        BigDecimal decimal = new BigDecimal(javaText).stripTrailingZeros();
        String digits = decimal.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - decimal.scale();
        StringBuilder out = new StringBuilder(24);
        if (decimal.signum() < 0) {
            out.append('-');
        }
        if (exponent >= -4 && exponent < (isDouble ? 15 : 6)) {
            out.append(decimal.abs().toPlainString());
            return out.toString();
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
}
