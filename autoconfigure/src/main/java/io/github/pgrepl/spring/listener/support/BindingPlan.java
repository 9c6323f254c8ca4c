package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.pgoutput.Row;

import java.beans.PropertyChangeEvent;
import java.beans.PropertyDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.beans.BeanInstantiationException;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.MethodInvocationException;
import org.springframework.core.KotlinDetector;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.Property;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.util.ReflectionUtils;
import org.springframework.validation.DataBinder;

/**
 * How the rows of one relation's columns bind to one type, worked out once instead of per row: the constructor that
 * Spring's {@link DataBinder} would choose, the column of each of its parameters, the setters that the columns reach,
 * and each one's {@link TypeDescriptor}. Binding a row then reads each column and hands it to the
 * {@link ConversionService} with those descriptors, the same conversions the DataBinder makes, without building a
 * binder, a binding result, a bean wrapper and their descriptors for every row.
 *
 * <p>Every value is read and converted before the type's own code runs. A row whose values do not all bind cleanly
 * (a value the service cannot convert or fails on, a NULL into a primitive, an unchanged TOAST value) makes
 * {@link #bind} return {@link #UNBOUND} having run none of it, and the {@link RowBinder} binds that row with the
 * DataBinder, which reports it as before. What the constructor or a setter throws is thrown from here instead: binding
 * the row again would run that code, and its side effects, twice. Every row of a type the plan does not cover (a
 * constructor parameter without a column, two columns for one property, column names with {@code .} or {@code [}
 * that the DataBinder reads as paths, Kotlin classes, {@code Optional} itself) goes to the DataBinder.
 *
 * <p>Immutable but for what the first rows teach it (the source type of each column's values), which is published
 * safely and the same whichever thread learns it.
 */
final class BindingPlan {

    /** What {@link #bind} returns for a row that the DataBinder must bind. */
    static final Object UNBOUND = RowValueResolver.UNBOUND;

    private final ConversionService conversionService;
    /** {@code null}: the DataBinder binds every row. */
    private final Constructor<?> constructor;
    private final Slot[] parameters;
    private final Slot[] setters;

    private BindingPlan(ConversionService conversionService, Constructor<?> constructor, Slot[] parameters,
                        Slot[] setters) {
        this.conversionService = conversionService;
        this.constructor = constructor;
        this.parameters = parameters;
        this.setters = setters;
    }

    /** The plan for rows with {@code columns} into {@code type} (neither a {@code Map} nor a {@code Row}). */
    static BindingPlan of(ResolvableType type, List<String> columns, ConversionService conversionService) {
        Class<?> target = type.resolve(Object.class);
        BindingPlan unplanned = new BindingPlan(conversionService, null, null, null);
        if (target == Optional.class || KotlinDetector.isKotlinType(target) || columns.stream().anyMatch(BindingPlan::isPath)) {
            return unplanned;
        }
        Constructor<?> constructor;
        String[] names;
        try {
            constructor = BeanUtils.getResolvableConstructor(target);
            names = constructor.getParameterCount() == 0 ? new String[0] : BeanUtils.getParameterNames(constructor);
        } catch (RuntimeException e) {
            return unplanned; // the DataBinder fails on it, with its message
        }
        Map<String, Integer> byLooseName = RowValueResolver.looseNames(columns);
        Slot[] parameters = new Slot[names.length];
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null) {
                return unplanned;
            }
            MethodParameter parameter = MethodParameter.forFieldAwareConstructor(constructor, i, names[i]);
            Class<?> parameterType = parameter.getParameterType();
            int column = RowValueResolver.column(columns, byLooseName, names[i]);
            if (column < 0 && parameterType != Optional.class) {
                return unplanned; // no column: the DataBinder's path says so, for every row
            }
            // A parameter without a column, or a NULL, is what the DataBinder makes of no value: empty or null.
            parameters[i] = new Slot(column, parameterType, new TypeDescriptor(parameter), null, null);
        }
        Slot[] setters = setters(target, columns);
        if (setters == null) {
            return unplanned;
        }
        ReflectionUtils.makeAccessible(constructor);
        return new BindingPlan(conversionService, constructor, parameters, setters);
    }

    /** A column name that the DataBinder and bean wrapper read as a nested or indexed path. */
    private static boolean isPath(String column) {
        return column.indexOf('.') >= 0 || column.indexOf('[') >= 0;
    }

    /**
     * {@code row} bound to the type, or {@link #UNBOUND} when the DataBinder must bind it.
     *
     * @param fallback the old row of an update, whose values stand in for unchanged TOAST values; or {@code null}
     * @throws BeanInstantiationException when the constructor fails, as the DataBinder's would
     * @throws MethodInvocationException when a setter throws, as the DataBinder's bean wrapper would
     */
    Object bind(Row row, Row fallback) {
        if (constructor == null) {
            return UNBOUND;
        }
        Object[] arguments = values(parameters, row, fallback);
        Object[] properties = arguments == null ? null : values(setters, row, fallback);
        if (properties == null) {
            return UNBOUND;
        }
        // From here on the type's own code runs: what it throws is the row's error, never a reason to bind it again.
        Object bound = BeanUtils.instantiateClass(constructor, arguments);
        for (int i = 0; i < setters.length; i++) {
            Method writeMethod = setters[i].writeMethod;
            try {
                writeMethod.invoke(bound, properties[i]);
            } catch (InvocationTargetException e) {
                throw new MethodInvocationException(new PropertyChangeEvent(bound, setters[i].property, null,
                        properties[i]), e.getTargetException());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("Cannot call " + writeMethod + ", made accessible when planned", e);
            }
        }
        return bound;
    }

    /** The values of {@code slots} in {@code row}, converted, or {@code null} when one does not bind cleanly. */
    private Object[] values(Slot[] slots, Row row, Row fallback) {
        Object[] values = new Object[slots.length];
        for (int i = 0; i < slots.length; i++) {
            Object value = slots[i].value(row, fallback, conversionService);
            if (value == UNBOUND) {
                return null;
            }
            values[i] = value;
        }
        return values;
    }

    /**
     * The writable properties of {@code target} that the columns reach (by name as is, or in camel case), as the
     * {@link RowBinder} finds them through a bean wrapper; {@code null} when two columns reach the same property.
     */
    private static Slot[] setters(Class<?> target, List<String> columns) {
        List<Slot> slots = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < columns.size(); i++) {
            String name = columns.get(i);
            PropertyDescriptor property = writable(target, name);
            if (property == null) {
                name = RowBinder.camelCase(name);
                property = writable(target, name);
            }
            if (property == null) {
                continue;
            }
            if (!seen.add(name)) {
                return null;
            }
            Method writeMethod = property.getWriteMethod();
            ReflectionUtils.makeAccessible(writeMethod);
            // The descriptor a bean wrapper gives the property (BeanWrapperImpl's own: its class, read and write methods).
            TypeDescriptor type = new TypeDescriptor(new Property(target, property.getReadMethod(), writeMethod,
                    property.getName()));
            slots.add(new Slot(i, property.getPropertyType(), type, writeMethod, name));
        }
        return slots.toArray(Slot[]::new);
    }

    /** The writable property {@code name} of {@code target}, or {@code null}. */
    private static PropertyDescriptor writable(Class<?> target, String name) {
        PropertyDescriptor property = BeanUtils.getPropertyDescriptor(target, name);
        return property != null && property.getWriteMethod() != null ? property : null;
    }

    /** Whether rows go through the compiled path (else always the DataBinder); for tests. */
    boolean isCompiled() {
        return constructor != null;
    }

    /** A constructor parameter or a setter: its column and how its values convert. */
    private static final class Slot {

        final int column;
        final Class<?> type;
        final TypeDescriptor targetType;
        /** The setter and its property; {@code null} for a constructor parameter. */
        final Method writeMethod;
        final String property;
        /** What the last value's class converts with; learned from the first value, replaced when the class changes. */
        private volatile Conversion conversion;

        Slot(int column, Class<?> type, TypeDescriptor targetType, Method writeMethod, String property) {
            this.column = column;
            this.type = type;
            this.targetType = targetType;
            this.writeMethod = writeMethod;
            this.property = property;
        }

        Object value(Row row, Row fallback, ConversionService conversionService) {
            Object value = column < 0 ? null : RowValueResolver.read(row, fallback, column, type);
            if (value == UNBOUND) {
                return UNBOUND;
            }
            if (value == null) {
                return type == Optional.class ? Optional.empty() : null; // the DataBinder's and bean wrapper's null
            }
            Conversion current = conversion;
            if (current == null || current.sourceClass != value.getClass()) {
                TypeDescriptor sourceType = TypeDescriptor.forObject(value);
                current = new Conversion(value.getClass(), sourceType, conversionService.canConvert(sourceType, targetType));
                conversion = current;
            }
            if (!current.convertible) {
                return UNBOUND; // the DataBinder's property editors may still convert it, or it names the mismatch
            }
            try {
                return conversionService.convert(value, current.sourceType, targetType);
            } catch (RuntimeException e) {
                return UNBOUND;
            }
        }
    }

    /** Values of {@code sourceClass}: their descriptor, and whether the service converts them to the slot's type. */
    private record Conversion(Class<?> sourceClass, TypeDescriptor sourceType, boolean convertible) {
    }
}
