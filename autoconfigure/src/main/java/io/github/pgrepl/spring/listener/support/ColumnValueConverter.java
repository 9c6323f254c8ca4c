package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.spring.listener.ColumnValue;

import java.util.Set;

import org.springframework.core.ResolvableType;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.converter.GenericConverter;

/**
 * Converts the value inside a {@link ColumnValue} to the property's {@code ColumnValue<T>}: the row's value resolver
 * wraps the column's own Java value, and this gives it the declared {@code T}, generics included.
 */
final class ColumnValueConverter implements GenericConverter {

    private final ConversionService conversionService;

    ColumnValueConverter(ConversionService conversionService) {
        this.conversionService = conversionService;
    }

    @Override
    public Set<ConvertiblePair> getConvertibleTypes() {
        return Set.of(new ConvertiblePair(ColumnValue.class, ColumnValue.class));
    }

    @Override
    public Object convert(Object source, TypeDescriptor sourceType, TypeDescriptor targetType) {
        ColumnValue<?> value = (ColumnValue<?>) source;
        if (value == null || value.isUnchanged() || value.get() == null) {
            return value;
        }
        ResolvableType element = targetType.getResolvableType().as(ColumnValue.class).getGeneric(0);
        if (element.resolve() == null || element.resolve() == Object.class) {
            return value;
        }
        Object inner = value.get();
        return ColumnValue.of(conversionService.convert(inner, TypeDescriptor.forObject(inner),
                new TypeDescriptor(element, null, targetType.getAnnotations())));
    }
}
