package io.github.pgrepl.spring.listener;

/**
 * A row that cannot be mapped to a listener's type: a NULL into a primitive, an unchanged TOAST value into anything
 * but {@link ColumnValue}, a constructor parameter without a column, a value that does not convert. The message names
 * the column, the type and the fix.
 */
public class ChangeBindingException extends RuntimeException {

    public ChangeBindingException(String message) {
        super(message);
    }

    public ChangeBindingException(String message, Throwable cause) {
        super(message, cause);
    }
}
