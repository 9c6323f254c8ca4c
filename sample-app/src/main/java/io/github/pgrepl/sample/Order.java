package io.github.pgrepl.sample;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

/** A row of table {@code orders}, bound by column name ({@code updated_at} to {@code updatedAt}). */
public record Order(Long id, String customer, BigDecimal amount, String status, OffsetDateTime updatedAt) {
}
