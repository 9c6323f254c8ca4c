package io.github.pgrepl.spring.autoconfigure;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** Runs the analyzers registered in spring.factories on a failure, as SpringApplication does; the first answer wins. */
public final class FailureAnalyses {

    private FailureAnalyses() {
    }

    public static FailureAnalysis analyze(Throwable failure) {
        // Analyzers that need constructor arguments (a bean factory, the environment) are left out: ours need none.
        for (FailureAnalyzer analyzer : SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class,
                (factoryType, implementationName, notInstantiable) -> { })) {
            FailureAnalysis analysis = analyzer.analyze(failure);
            if (analysis != null) {
                return analysis;
            }
        }
        return null;
    }
}
