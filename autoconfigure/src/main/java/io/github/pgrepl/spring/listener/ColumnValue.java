package io.github.pgrepl.spring.listener;

import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A column's value that may be an unchanged TOAST value: the server does not resend a large out-of-line value that an
 * {@code UPDATE} did not change, so it is neither NULL nor known. Binding such a column into any other type fails;
 * declare the property as {@code ColumnValue<T>} to accept it and tell the two apart.
 *
 * <pre>{@code
 * record Document(long id, String title, ColumnValue<String> body) {}
 *
 * document.body().ifChanged(body -> index.update(document.id(), body));
 * }</pre>
 *
 * @param <T> the column's type
 */
public final class ColumnValue<T> {

    private static final ColumnValue<?> UNCHANGED = new ColumnValue<>(null, true);

    private final T value;
    private final boolean unchanged;

    private ColumnValue(T value, boolean unchanged) {
        this.value = value;
        this.unchanged = unchanged;
    }

    /** A value the server sent; {@code null} for SQL NULL. */
    public static <T> ColumnValue<T> of(T value) {
        return new ColumnValue<>(value, false);
    }

    /** An unchanged TOAST value: not sent, so unknown here. */
    @SuppressWarnings("unchecked")
    public static <T> ColumnValue<T> unchanged() {
        return (ColumnValue<T>) UNCHANGED;
    }

    /** True when the server did not send the value because the {@code UPDATE} did not change it. */
    public boolean isUnchanged() {
        return unchanged;
    }

    /**
     * The value; {@code null} for SQL NULL.
     *
     * @throws NoSuchElementException for an unchanged TOAST value, which is not known here
     */
    public T get() {
        if (unchanged) {
            throw new NoSuchElementException("The column is an unchanged TOAST value: the UPDATE did not change it and the"
                    + " server did not resend it. Check isUnchanged() first, or set REPLICA IDENTITY FULL on the table.");
        }
        return value;
    }

    /** The value, or {@code other} when unchanged. */
    public T orElse(T other) {
        return unchanged ? other : value;
    }

    /** Runs {@code action} with the value (possibly {@code null}) unless unchanged. */
    public void ifChanged(Consumer<? super T> action) {
        if (!unchanged) {
            action.accept(value);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ColumnValue<?> that && unchanged == that.unchanged && Objects.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return unchanged ? -1 : Objects.hashCode(value);
    }

    @Override
    public String toString() {
        return unchanged ? "<unchanged toast>" : String.valueOf(value);
    }
}
