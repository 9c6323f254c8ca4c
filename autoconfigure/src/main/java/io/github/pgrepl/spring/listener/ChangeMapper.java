package io.github.pgrepl.spring.listener;

import io.github.pgrepl.pgoutput.Row;

/**
 * Maps the rows of a change to another type the way listener parameters are bound: by column name ({@code created_at}
 * to {@code createdAt}), through Spring's data binding and conversion service.
 */
public interface ChangeMapper {

    /**
     * @param type a record, a class with a constructor or setters, {@code Map} (of {@code String} to {@code Object}) or
     *     {@link Row}
     * @throws ChangeBindingException when a row cannot be mapped, with the reason and the fix
     */
    <T> Change<T> map(Change<Row> change, Class<T> type);
}
