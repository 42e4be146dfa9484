//! Which text names a host: one rule for every value spof searches for the
//! names of other services (Kubernetes environment variables, ConfigMap
//! and Secret values, container arguments; compose environments), and which
//! of those hosts are telemetry, whose loss the service survives.
//!
//! A value is a host reference only when it is shaped like one: a host
//! with a URL scheme, user info or a port (`postgres://app@db:5432/x`,
//! `cache:6379`), a dotted DNS name (`db.prod`, `db.prod.svc.cluster.local`),
//! or a bare word in a variable whose name says it holds an address
//! (`DB_HOST=db`). `KAFKA_TOPIC=payments` and `MYSQL_USER=mysql` name no
//! host.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Words of variable names that hold host names or addresses.
const HOST_VARIABLE_WORDS: &[&str] = &[
    "HOST",
    "HOSTS",
    "HOSTNAME",
    "ADDR",
    "ADDRESS",
    "SERVER",
    "SERVERS",
    "URL",
    "URI",
    "DSN",
    "ENDPOINT",
    "ENDPOINTS",
    "BROKER",
    "BROKERS",
    "UPSTREAM",
    "BACKEND",
    "NODES",
    "PEERS",
    "SEEDS",
];

/// Words of variable names that hold the address of a telemetry or log
/// sink: tracing, metrics and log collectors. A service keeps serving when
/// they are down, so a host they name is a soft dependency.
pub const TELEMETRY_WORDS: &[&str] = &[
    "OTEL",
    "OTLP",
    "OPENTELEMETRY",
    "TELEMETRY",
    "ZIPKIN",
    "JAEGER",
    "TRACING",
    "TRACE",
    "TRACES",
    "TRACER",
    "COLLECTOR",
    "METRICS",
    "STATSD",
    "DOGSTATSD",
    "DD",
    "DATADOG",
    "APM",
    "SENTRY",
    "LOKI",
    "FLUENT",
    "FLUENTD",
    "FLUENTBIT",
    "LOGSTASH",
    "SYSLOG",
    "GELF",
    "LOG",
    "LOGS",
    "LOGGING",
];

/// The words of a variable, flag or key name, uppercased: split at
/// anything but letters and digits, and where a lowercase letter or digit
/// meets an uppercase one (`--collector.zipkin-host`, `zipkinUrl`).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_uppercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A name's words joined with `_`: `otel.exporter.otlpEndpoint` →
/// `OTEL_EXPORTER_OTLP_ENDPOINT`, what `soft-variables` globs match.
fn normalized(name: &str) -> String {
    words(name).join("_")
}

/// Whether a variable is meant for a host name: `DB_HOST`, `REDIS_URL`,
/// `--kafka-brokers`, `dbHost`.
pub fn host_variable(var: &str) -> bool {
    words(var)
        .iter()
        .any(|w| HOST_VARIABLE_WORDS.contains(&w.as_str()))
}

/// A host found in a value, at byte offset `at`, and whether the text
/// around it says it is a host (a URL scheme, user info or a port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Host<'a> {
    pub name: &'a str,
    pub at: usize,
    pub marked: bool,
}

/// The host of an address written alone (a receiver's URL, a mail server's
/// `host:port`, an object store's endpoint), lowercase; none for an empty
/// or templated one.
pub fn endpoint_host(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url.contains("{{") {
        return None;
    }
    references(url, true)
        .into_iter()
        .next()
        .map(|h| h.name.to_ascii_lowercase())
}

/// The hosts in `value` that name one, by the rule of this module: marked
/// hosts and dotted names always, bare words only when `address_variable`
/// (the name of the variable, flag or key holding the value says it holds
/// an address; see [`host_variable`]).
pub fn references(value: &str, address_variable: bool) -> Vec<Host<'_>> {
    let mut hosts = candidates(value);
    hosts.retain(|h| h.marked || h.name.contains('.') || address_variable);
    hosts
}

/// Every word of `text` that could be a host, with its byte offset:
/// `postgres://u:p@db:5432/x,cache` → (`db`, 15, marked), (`cache`, 25).
/// Tokens are separated by commas, semicolons and white space.
fn candidates(text: &str) -> Vec<Host<'_>> {
    let mut out = Vec::new();
    for token in text.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
        let mut at = offset_in(text, token);
        let mut rest = token;
        let mut marked = false;
        if let Some(i) = rest.find("://") {
            at += i + 3;
            rest = &rest[i + 3..];
            marked = true;
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        if let Some(i) = rest[..authority_end].rfind('@') {
            at += i + 1;
            rest = &rest[i + 1..];
            marked = true;
        }
        let host = rest.split(['/', ':', '?']).next().unwrap_or("");
        marked |= rest[host.len()..]
            .strip_prefix(':')
            .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_digit()));
        let valid = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && host.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && !host.ends_with('.')
            && !host.contains("..");
        if valid {
            out.push(Host {
                name: host,
                at,
                marked,
            });
        }
    }
    out
}

/// The byte offset of `part`, a slice of `text`, in it.
fn offset_in(text: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

/// The hosts named by a container's `args` or `command`, each entry with
/// the hosts in it: `--db-host=db`, `--kafka-brokers kafka:9092` (a flag,
/// then its value), `http://api:8080`; inside a shell command line too
/// (`until nc -z db 5432`: `db` is a bare word of no address flag, not a
/// host). The name deciding each host's strength is its flag's, if any.
pub fn argument_references<'a>(entries: &[&'a str]) -> Vec<Vec<(Host<'a>, Option<&'a str>)>> {
    let mut flag: Option<&'a str> = None;
    entries
        .iter()
        .map(|entry| {
            let mut found = Vec::new();
            for token in entry.split(char::is_whitespace) {
                // Shell quoting and separators around a word.
                let token = token.trim_matches(|c| matches!(c, '\'' | '"' | ';' | '(' | ')'));
                if token.is_empty() {
                    continue;
                }
                let (name, value) = match token.strip_prefix('-') {
                    Some(option) => match option.split_once('=') {
                        Some((name, value)) => (Some(name.trim_start_matches('-')), value),
                        None => {
                            flag = Some(option.trim_start_matches('-'));
                            continue;
                        }
                    },
                    None => (flag.take(), token),
                };
                let at = offset_in(entry, value);
                for h in references(value, name.is_some_and(host_variable)) {
                    found.push((Host { at: h.at + at, ..h }, name));
                }
            }
            found
        })
        .collect()
}

/// Which variable names hold a soft dependency's address: the built-in
/// telemetry words ([`TELEMETRY_WORDS`], unless `[dependencies]` in
/// spof.toml sets `soft-telemetry = false`) and the globs of
/// `soft-variables`, matched against the name's words joined with `_`,
/// uppercased.
#[derive(Debug, Clone)]
pub struct SoftVariables {
    pub telemetry: bool,
    pub globs: GlobSet,
}

impl Default for SoftVariables {
    fn default() -> Self {
        Self {
            telemetry: true,
            globs: GlobSet::empty(),
        }
    }
}

impl SoftVariables {
    /// The built-in telemetry words (if `telemetry`) and `patterns`
    /// (checked when the configuration is read).
    pub fn new(telemetry: bool, patterns: &[String]) -> Self {
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            if let Ok(glob) = glob(p) {
                builder.add(glob);
            }
        }
        Self {
            telemetry,
            globs: builder.build().unwrap_or_else(|_| GlobSet::empty()),
        }
    }

    /// Whether the address in variable (flag, key) `name` is a soft
    /// dependency's.
    pub fn is_soft(&self, name: &str) -> bool {
        (self.telemetry
            && words(name)
                .iter()
                .any(|w| TELEMETRY_WORDS.contains(&w.as_str())))
            || (!self.globs.is_empty() && self.globs.is_match(normalized(name)))
    }
}

/// A `soft-variables` glob: case-insensitive, over the normalised name.
pub fn glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(&normalized_pattern(pattern))
        .case_insensitive(true)
        .build()
}

/// A pattern's separators as a normalised name has them (`otel.*` →
/// `OTEL_*`), its glob characters kept.
fn normalized_pattern(pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(value: &str, address: bool) -> Vec<&str> {
        references(value, address).iter().map(|h| h.name).collect()
    }

    #[test]
    fn hosts_are_shaped_like_hosts() {
        assert_eq!(
            names("postgres://u:p@db.prod:5432/x,cache:6379", false),
            ["db.prod", "cache"]
        );
        assert_eq!(
            names("http://api.shop.svc.cluster.local/v1", false),
            ["api.shop.svc.cluster.local"]
        );
        assert_eq!(names("db.prod", false), ["db.prod"]);
        // A bare word names a host only in a variable meant for one.
        assert!(names("payments", false).is_empty());
        assert_eq!(names("payments", true), ["payments"]);
        assert!(names("8080", true).is_empty());
        assert!(names("", true).is_empty());
        assert!(names("a..b v.", false).is_empty());
        let offsets: Vec<usize> = references("postgres://u:p@db:5432/x,cache:6379 redis", true)
            .iter()
            .map(|h| h.at)
            .collect();
        assert_eq!(offsets, [15, 25, 36]);
        // The host of a URL, not a user in its query.
        assert_eq!(
            references("http://api/v1?x=a@b", false),
            [Host {
                name: "api",
                at: 7,
                marked: true
            }]
        );
    }

    #[test]
    fn variables_that_hold_addresses() {
        for var in [
            "DB_HOST",
            "REDIS_URL",
            "kafka-brokers",
            "dbHost",
            "api.endpoint",
        ] {
            assert!(host_variable(var), "{var}");
        }
        for var in [
            "KAFKA_TOPIC",
            "MYSQL_USER",
            "METADATA",
            "PILOT_CERT_PROVIDER",
            "POSTGRES_USER",
            "HOSTILE",
        ] {
            assert!(!host_variable(var), "{var}");
        }
    }

    #[test]
    fn arguments_are_flags_and_values() {
        let found = argument_references(&[
            "--db-host=db",
            "--kafka-brokers",
            "kafka:9092,backup",
            "--mode",
            "primary",
            "sh -c 'until nc -z cache 6379; do sleep 1; done; exec app --upstream api'",
            "http://search:9200",
        ]);
        let names: Vec<Vec<(&str, Option<&str>)>> = found
            .iter()
            .map(|e| e.iter().map(|(h, f)| (h.name, *f)).collect())
            .collect();
        assert_eq!(
            names,
            vec![
                vec![("db", Some("db-host"))],
                vec![],
                vec![
                    ("kafka", Some("kafka-brokers")),
                    ("backup", Some("kafka-brokers"))
                ],
                vec![],
                vec![],
                vec![("api", Some("upstream"))],
                vec![("search", None)],
            ]
        );
        assert_eq!(found[0][0].0.at, 10);
    }

    #[test]
    fn telemetry_addresses_are_soft() {
        let soft = SoftVariables::default();
        for var in [
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "ZIPKIN_URL",
            "JAEGER_AGENT_HOST",
            "DD_AGENT_HOST",
            "--collector.zipkin.host-port",
            "zipkinUrl",
            "LOG_SERVER",
        ] {
            assert!(soft.is_soft(var), "{var}");
        }
        for var in ["DB_HOST", "CATALOG_URL", "ADDRESS", "PROMETHEUS_URL"] {
            assert!(!soft.is_soft(var), "{var}");
        }
        let custom = SoftVariables::new(false, &["audit-*".to_string(), "*_cache_url".into()]);
        assert!(custom.is_soft("AUDIT_SINK"));
        assert!(custom.is_soft("session.cacheUrl"));
        assert!(!custom.is_soft("OTEL_EXPORTER_OTLP_ENDPOINT"));
    }
}

/// The registry host of a container image reference (`harbor.example.com`
/// for `harbor.example.com:443/shop/web:1.2`), lowercase and without port,
/// by Docker's rule: the part before the first `/` is a host when it has a
/// `.` or a `:`, or is `localhost`. `None` for an image of Docker Hub
/// (`nginx`, `bitnami/redis`) and for a reference a template has not
/// filled in.
pub fn image_registry(image: &str) -> Option<String> {
    let image = image.trim();
    if image.contains(['{', '$', '<', ' ']) {
        return None;
    }
    let (first, _) = image.split_once('/')?;
    if !(first.contains(['.', ':']) || first == "localhost") {
        return None;
    }
    let host = first.rsplit_once(':').map_or(first, |(h, _)| h);
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    valid.then(|| host.to_ascii_lowercase())
}

/// The repository path of a container image reference with a registry
/// host (`team/web` for `123.dkr.ecr.eu-west-1.amazonaws.com/team/web:1.2`):
/// the part after the host, without tag or digest, lowercase.
pub fn image_repository(image: &str) -> Option<String> {
    let (_, rest) = image.trim().split_once('/')?;
    let rest = rest.split('@').next().unwrap_or(rest);
    let path = match rest.rsplit_once('/') {
        Some((dir, last)) => format!("{dir}/{}", last.split(':').next().unwrap_or(last)),
        None => rest.split(':').next().unwrap_or(rest).to_string(),
    };
    (!path.is_empty() && !path.ends_with('/')).then(|| path.to_ascii_lowercase())
}

/// Whether a registry host serves repositories that are told apart by
/// their path, each declared on its own: ECR (`<account>.dkr.ecr.<region>.amazonaws.com`)
/// and Artifact Registry (`<location>-docker.pkg.dev`).
pub fn repository_addressed(host: &str) -> bool {
    (host.contains(".dkr.ecr.") && host.ends_with(".amazonaws.com"))
        || host.ends_with("-docker.pkg.dev")
}

#[cfg(test)]
mod image_tests {
    use super::{image_registry, image_repository, repository_addressed};

    #[test]
    fn an_image_names_its_repository_without_tag_or_digest() {
        let path = |i| image_repository(i);
        assert_eq!(
            path("123.dkr.ecr.eu-west-1.amazonaws.com/team/Web:1.2").as_deref(),
            Some("team/web")
        );
        assert_eq!(
            path("europe-west1-docker.pkg.dev/shop/images/web@sha256:ab").as_deref(),
            Some("shop/images/web")
        );
        assert_eq!(path("registry:5000/web").as_deref(), Some("web"));
        assert_eq!(path("registry:5000/"), None);
        assert_eq!(path("nginx"), None);
        assert!(repository_addressed("123.dkr.ecr.eu-west-1.amazonaws.com"));
        assert!(repository_addressed("europe-west1-docker.pkg.dev"));
        assert!(!repository_addressed("shop.azurecr.io"));
        assert!(!repository_addressed("harbor.example.com"));
    }

    #[test]
    fn an_image_names_its_registry_host_as_docker_reads_it() {
        let host = |i| image_registry(i);
        assert_eq!(
            host("harbor.example.com:443/shop/web:1.2").as_deref(),
            Some("harbor.example.com")
        );
        assert_eq!(
            host("123.dkr.ecr.ap-northeast-2.amazonaws.com/web@sha256:ab").as_deref(),
            Some("123.dkr.ecr.ap-northeast-2.amazonaws.com")
        );
        assert_eq!(host("registry:5000/web").as_deref(), Some("registry"));
        assert_eq!(host("localhost/web").as_deref(), Some("localhost"));
        assert_eq!(host("Quay.IO/org/x").as_deref(), Some("quay.io"));
        // Docker Hub: no host.
        assert_eq!(host("nginx:1.27"), None);
        assert_eq!(host("bitnami/redis:7"), None);
        // Not filled in, or not an image.
        assert_eq!(host("{{ .Values.registry }}/web"), None);
        assert_eq!(host("${REGISTRY}/web"), None);
        assert_eq!(host(":5000/web"), None);
        assert_eq!(host(""), None);
    }
}
