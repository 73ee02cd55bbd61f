use srehub_core::{Check, Findings};

use super::DockerfileInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// A single-stage Dockerfile whose base image is a build toolchain: `golang`, `rust`, `maven`,
    /// `gradle`, `gcc`, `openjdk` and `eclipse-temurin` JDK tags (`*-jdk*`; a bare `eclipse-temurin:21`
    /// is a JDK too), and `mcr.microsoft.com/dotnet/sdk`.
    ///
    /// ## Why it matters
    /// The compiler, package caches and sources all ship in the runtime image: it is typically 5–20×
    /// larger than needed (slower pulls, slower scale-out and node cold starts), and every CVE in the
    /// toolchain is now in production, along with tools an attacker can use to build exploits in place.
    ///
    /// ## How to fix
    /// Use a multi-stage build: compile in the toolchain stage, copy only the artifact into a slim
    /// runtime: `FROM golang:1.23 AS build` … `RUN CGO_ENABLED=0 go build -o /out/app .` then
    /// `FROM gcr.io/distroless/static:nonroot` and `COPY --from=build /out/app /app`. For Java, run the
    /// jar on a JRE (`eclipse-temurin:21-jre`); for .NET, on `mcr.microsoft.com/dotnet/aspnet` or
    /// `runtime`.
    DKR014 CompiledLanguageSingleStage { name: "compiled-language-single-stage", severity: Info, category: Efficiency, group: "dockerfile" }
}

/// The toolchain an image reference is, if it is one.
fn toolchain(image: &str) -> Option<&'static str> {
    let image = image.to_ascii_lowercase();
    let no_digest = image.split('@').next().unwrap_or(&image);
    let (name, tag) = match no_digest.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, t),
        _ => (no_digest, ""),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    match last {
        "golang" => Some("Go"),
        "rust" => Some("Rust"),
        "maven" => Some("Maven"),
        "gradle" => Some("Gradle"),
        "gcc" => Some("GCC"),
        "openjdk" if !tag.contains("jre") => Some("the JDK"),
        "eclipse-temurin"
            if tag.contains("jdk")
                || (!tag.contains("jre")
                    && !tag.is_empty()
                    && tag.chars().all(|c| c.is_ascii_digit() || c == '.')) =>
        {
            Some("the JDK")
        }
        "sdk" if name.ends_with("dotnet/sdk") || name.ends_with("dotnet/core/sdk") => {
            Some("the .NET SDK")
        }
        _ => None,
    }
}

impl Check<DockerfileInput<'_>> for CompiledLanguageSingleStage {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        let [stage] = input.file.stages.as_slice() else {
            return;
        };
        if stage.base.contains('$') {
            return;
        }
        let Some(tool) = toolchain(&stage.base) else {
            return;
        };
        let from = &input.file.instructions[stage.from];
        out.push(
            input
                .at(&Self::META, from, format!("Single-stage build on `{}`: {tool} toolchain ships in the runtime image", stage.base))
                .hint("Build in a `FROM … AS build` stage and COPY --from=build only the artifact into a slim runtime image"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_on_single_stage_toolchain() {
        let found = run(
            &CompiledLanguageSingleStage,
            "# syntax=docker/dockerfile:1\nFROM golang:1.23-alpine\nCOPY . /src\nRUN go build -o /app .\nCMD [\"/app\"]\n",
        );
        assert_eq!(lines(&found), [2]);
        insta::assert_yaml_snapshot!(found);
        for image in [
            "mcr.microsoft.com/dotnet/sdk:8.0",
            "eclipse-temurin:21-jdk-jammy",
            "eclipse-temurin:21",
            "docker.io/library/rust:1.82",
            "openjdk:17-jdk-slim",
        ] {
            assert_eq!(
                run(&CompiledLanguageSingleStage, &format!("FROM {image}\n")).len(),
                1,
                "{image}"
            );
        }
    }

    #[test]
    fn quiet_on_multi_stage_and_runtimes() {
        let text = "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /app /app\n";
        assert!(run(&CompiledLanguageSingleStage, text).is_empty());
        for image in [
            "eclipse-temurin:21-jre",
            "python:3.12-slim",
            "mcr.microsoft.com/dotnet/aspnet:8.0",
            "${BASE}",
        ] {
            assert!(
                run(&CompiledLanguageSingleStage, &format!("FROM {image}\n")).is_empty(),
                "{image}"
            );
        }
    }
}
