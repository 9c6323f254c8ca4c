package io.github.pgrepl.spring.autoconfigure;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.validation.FieldError;

/**
 * Explains the values of {@code pgrepl.*} that the binder rejected (see {@link PropertiesValidation}): each property,
 * what is wrong with it and where it was set, and how to fix it. Ahead of Spring Boot's own analyzer of validation
 * failures, which would say only "Update your application's configuration"; other validation failures are left to it.
 */
class InvalidPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<BindValidationException> implements Ordered {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindValidationException cause) {
        List<FieldError> errors = cause.getValidationErrors().getAllErrors().stream()
                .filter(FieldError.class::isInstance).map(FieldError.class::cast)
                .filter(error -> PropertiesValidation.CODE.equals(error.getCode())).toList();
        if (errors.isEmpty()) {
            return null;
        }
        Set<ConfigurationProperty> bound = cause.getValidationErrors().getBoundProperties();
        String description = errors.stream().map(error -> describe(error, bound))
                .collect(Collectors.joining(System.lineSeparator()));
        String action = errors.stream().map(error -> (errors.size() > 1 ? PropertiesValidation.property(error) + ": " : "")
                + error.getArguments()[0]).distinct().collect(Collectors.joining(System.lineSeparator()));
        return new FailureAnalysis(description, action, cause);
    }

    private static String describe(FieldError error, Set<ConfigurationProperty> bound) {
        String property = PropertiesValidation.property(error);
        Origin origin = origin(property, bound);
        return "The replication property '" + property + "' is invalid: " + error.getDefaultMessage()
                + (origin != null ? " (set in " + origin + ")" : "");
    }

    /** Where {@code property} was set; Spring Boot tracks it for direct children of the validated object only. */
    private static Origin origin(String property, Set<ConfigurationProperty> bound) {
        ConfigurationPropertyName name = ConfigurationPropertyName.adapt(property, '.');
        return bound.stream().filter(each -> each.getName().equals(name)).findFirst().map(Origin::from).orElse(null);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
