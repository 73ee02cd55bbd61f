//! The OpenAPI 3.1 document (`/api/v1/openapi.json`) and a docs page, generated from the route table
//! below, which names each route's parameters, scope and answer; a test checks that every route the
//! router serves is in the table and the reverse.

use serde_json::{Map, Value, json};

pub(crate) struct Param {
    pub name: &'static str,
    pub location: &'static str,
    pub description: &'static str,
    pub required: bool,
}

pub(crate) struct RouteDoc {
    pub path: &'static str,
    /// `get` or `post`.
    pub method: &'static str,
    pub summary: &'static str,
    /// The key scope it needs; `None` for public routes.
    pub scope: Option<&'static str>,
    pub params: &'static [Param],
    /// `envelope`: data plus `sources`; `raw`: as described.
    pub answer: &'static str,
}

const CLUSTER: Param = Param {
    name: "cluster",
    location: "path",
    description: "A configured cluster name (see /api/v1/clusters)",
    required: true,
};

const IMAGE: Param = Param {
    name: "name",
    location: "path",
    description: "A repository name (team/app)",
    required: true,
};

const LIMIT: Param = Param {
    name: "limit",
    location: "query",
    description: "Items per page, 1-1000 (the whole list when neither limit nor cursor is given)",
    required: false,
};

const CURSOR: Param = Param {
    name: "cursor",
    location: "query",
    description: "next_cursor of the previous page",
    required: false,
};

const REPO: Param = Param {
    name: "repo",
    location: "path",
    description: "An Artifactory Docker repository key",
    required: true,
};

pub(crate) const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        path: "/healthz",
        method: "get",
        summary: "The process is alive",
        scope: None,
        params: &[],
        answer: "raw",
    },
    RouteDoc {
        path: "/readyz",
        method: "get",
        summary: "Ready: configuration valid and at least one source reachable (503 otherwise), with per-source detail",
        scope: None,
        params: &[],
        answer: "raw",
    },
    RouteDoc {
        path: "/metrics",
        method: "get",
        summary: "The hub's metrics (OpenMetrics text)",
        scope: None,
        params: &[],
        answer: "raw",
    },
    RouteDoc {
        path: "/docs",
        method: "get",
        summary: "This API, as a page",
        scope: None,
        params: &[],
        answer: "raw",
    },
    RouteDoc {
        path: "/api/v1/openapi.json",
        method: "get",
        summary: "This document",
        scope: None,
        params: &[],
        answer: "raw",
    },
    RouteDoc {
        path: "/api/v1/status",
        method: "get",
        summary: "Each connector: breaker state; version and uptime",
        scope: Some("status"),
        params: &[],
        answer: "raw",
    },
    RouteDoc {
        path: "/api/v1/clusters",
        method: "get",
        summary: "The configured clusters",
        scope: Some("clusters"),
        params: &[],
        answer: "raw",
    },
    RouteDoc {
        path: "/api/v1/k8s/{cluster}/{kind}",
        method: "get",
        summary: "Pods, nodes or events of a cluster, filtered and paged",
        scope: Some("clusters"),
        params: &[
            CLUSTER,
            Param {
                name: "kind",
                location: "path",
                description: "pods, nodes, events or deployments",
                required: true,
            },
            Param {
                name: "namespace",
                location: "query",
                description: "Only this namespace",
                required: false,
            },
            Param {
                name: "labelSelector",
                location: "query",
                description: "Kubernetes label selector (app=api,tier!=db,env in (a,b),!legacy)",
                required: false,
            },
            Param {
                name: "fields",
                location: "query",
                description: "Comma-separated dotted paths to keep (metadata.name,status.phase)",
                required: false,
            },
            Param {
                name: "limit",
                location: "query",
                description: "Items per page, 1-1000 (100)",
                required: false,
            },
            Param {
                name: "cursor",
                location: "query",
                description: "next_cursor of the previous page",
                required: false,
            },
        ],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/k8s/{cluster}/doctor",
        method: "get",
        summary: "The doctor's report (srehub.report/v1) of a cluster",
        scope: Some("clusters"),
        params: &[CLUSTER],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/alerts",
        method: "get",
        summary: "Alertmanager's alerts now",
        scope: Some("alerts"),
        params: &[],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/alerts/analysis",
        method: "get",
        summary: "Alert-noise analysis (srehub alerts analyze) over a window",
        scope: Some("alerts"),
        params: &[Param {
            name: "since",
            location: "query",
            description: "Window, 5m to 90d (1d)",
            required: false,
        }],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/slo",
        method: "get",
        summary: "Status of the configured SLOs (srehub slo report): SLI, error budget left, burn rates per window",
        scope: Some("alerts"),
        params: &[],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/registry/repos",
        method: "get",
        summary: "Repositories of the OCI registry (/v2/_catalog, every page)",
        scope: Some("registry"),
        params: &[LIMIT, CURSOR],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/registry/images",
        method: "get",
        summary: "Images of the OCI registry (the same list as /registry/repos: in the distribution API a repository is an image)",
        scope: Some("registry"),
        params: &[LIMIT, CURSOR],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/registry/images/{name}/tags",
        method: "get",
        summary: "Tags of an image with their digest, media type, size, layers and platforms",
        scope: Some("registry"),
        params: &[IMAGE, LIMIT, CURSOR],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/artifactory/repos",
        method: "get",
        summary: "Artifactory repositories (/api/repositories)",
        scope: Some("registry"),
        params: &[
            Param {
                name: "type",
                location: "query",
                description: "local, remote, virtual, federated or distribution",
                required: false,
            },
            Param {
                name: "packageType",
                location: "query",
                description: "docker, maven, npm, ...",
                required: false,
            },
            LIMIT,
            CURSOR,
        ],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/artifactory/storage",
        method: "get",
        summary: "Artifactory storage summary: totals, file store, repositories by used space",
        scope: Some("registry"),
        params: &[],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/artifactory/search",
        method: "post",
        summary: "An AQL search (the request body, text/plain: items.find({...})); answers cached per query",
        scope: Some("registry"),
        params: &[],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/artifactory/docker/{repo}/images",
        method: "get",
        summary: "Images of an Artifactory Docker repository",
        scope: Some("registry"),
        params: &[REPO, LIMIT, CURSOR],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/artifactory/docker/{repo}/images/{name}/tags",
        method: "get",
        summary: "Tags of an image in an Artifactory Docker repository",
        scope: Some("registry"),
        params: &[REPO, IMAGE, LIMIT, CURSOR],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/vulns/images",
        method: "get",
        summary: "Image vulnerabilities (Trivy reports, Aqua) joined with the pods that run them: image → tags → counts by severity → pods",
        scope: Some("vulns"),
        params: &[
            Param {
                name: "severity",
                location: "query",
                description: "Only images whose worst finding is at least this severe",
                required: false,
            },
            Param {
                name: "running",
                location: "query",
                description: "true: only images that run; false: only those that do not",
                required: false,
            },
            LIMIT,
            CURSOR,
        ],
        answer: "envelope",
    },
    RouteDoc {
        path: "/api/v1/vulns/images/{ref}",
        method: "get",
        summary: "The vulnerabilities of one image (postgres:16.4, registry.example.com/team/app:1.2) from every source, and the pods that run it",
        scope: Some("vulns"),
        params: &[Param {
            name: "ref",
            location: "path",
            description: "An image reference, tag or digest",
            required: true,
        }],
        answer: "envelope",
    },
];

fn error_schema() -> Value {
    json!({"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
        "required": ["code", "message", "request_id"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}, "request_id": {"type": "string"}}}}})
}

fn sources_schema() -> Value {
    json!({"type": "array", "items": {"type": "object", "required": ["name", "status", "latency_ms", "stale"],
        "properties": {"name": {"type": "string"}, "status": {"type": "string", "enum": ["ok", "error"]},
        "latency_ms": {"type": "integer"}, "stale": {"type": "boolean"}, "error": {"type": "string"}}}})
}

pub(crate) fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let params: Vec<Value> = r
            .params
            .iter()
            .map(|p| {
                json!({"name": p.name, "in": p.location, "required": p.required,
                "description": p.description, "schema": {"type": "string"}})
            })
            .collect();
        let ok = if r.answer == "envelope" {
            json!({"description": "Data and per-source status", "headers": {
                "ETag": {"schema": {"type": "string"}}, "Cache-Control": {"schema": {"type": "string"}},
                "X-Cache": {"schema": {"type": "string", "enum": ["hit", "miss", "stale"]}}},
                "content": {"application/json": {"schema": {"type": "object", "required": ["sources"],
                "properties": {"sources": sources_schema()}, "additionalProperties": true}}}})
        } else {
            json!({"description": "OK"})
        };
        let mut responses = json!({"200": ok});
        for (code, what) in [
            ("400", "A bad parameter (named in the message)"),
            ("401", "No or an unknown API key"),
            ("403", "The key lacks the scope"),
            ("404", "No such cluster, resource or connector"),
            ("429", "The key's rate limit"),
            ("503", "Breaker open (Retry-After) or source unavailable"),
            ("504", "Downstream timeout"),
        ] {
            if r.scope.is_none() && matches!(code, "401" | "403" | "429") {
                continue;
            }
            responses[code] = json!({"description": what,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
        }
        if r.answer == "envelope" {
            responses["304"] = json!({"description": "Not modified (If-None-Match)"});
        }
        if params.iter().any(|p| p["name"] == "cursor") {
            responses["410"] = json!({"description": "cursor_expired: the list changed since the cursor was made; start again without it",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
        }
        let mut op = json!({"summary": r.summary, "parameters": params, "responses": responses});
        match r.scope {
            Some(scope) => {
                op["security"] = json!([{"bearer": []}, {"apiKey": []}]);
                op["x-srehub-scope"] = json!(scope);
            }
            None => op["security"] = json!([]),
        }
        if r.method == "post" {
            op["requestBody"] = json!({"required": true,
                "content": {"text/plain": {"schema": {"type": "string"}}}});
        }
        let mut item = paths.remove(r.path).unwrap_or_else(|| json!({}));
        item[r.method] = op;
        paths.insert(r.path.to_string(), item);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "srehub hub API", "version": env!("CARGO_PKG_VERSION"),
            "description": "One REST API over the srehub engines. Every data route answers with per-source status; errors share one shape."},
        "paths": paths,
        "components": {
            "schemas": {"Error": error_schema()},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
            }
        }
    })
}

pub(crate) fn docs_page() -> String {
    let mut rows = String::new();
    for r in ROUTES {
        let params: Vec<String> = r
            .params
            .iter()
            .map(|p| format!("<code>{}</code> ({}) {}", p.name, p.location, p.description))
            .collect();
        rows.push_str(&format!(
            "<tr><td><code>{} {}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            r.method.to_ascii_uppercase(),
            r.path.replace('<', "&lt;"),
            r.summary,
            r.scope.unwrap_or("public"),
            params.join("<br>")
        ));
    }
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>srehub hub API</title>\
         <style>body{{font:14px system-ui,sans-serif;margin:24px}}td,th{{border-bottom:1px solid #ddd;padding:6px;vertical-align:top;text-align:left}}</style></head>\
         <body><h1>srehub hub API {}</h1><p>Machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI 3.1). \
         Keys: <code>Authorization: Bearer KEY</code> or <code>X-API-Key</code>.</p>\
         <table><tr><th>Route</th><th>What</th><th>Scope</th><th>Parameters</th></tr>{rows}</table></body></html>",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The routes the router registers, read from its source (axum cannot list them), with the
    /// method of each; wildcard routes are written as the table documents them.
    fn registered() -> std::collections::BTreeSet<(String, String)> {
        let mut out = std::collections::BTreeSet::new();
        for src in [include_str!("routes.rs"), include_str!("artifacts.rs")] {
            let mut rest = src;
            while let Some(i) = rest.find(".route(") {
                rest = &rest[i + 7..];
                let Some(q) = rest.find('"') else { break };
                let after = &rest[q + 1..];
                let Some(end) = after.find('"') else { break };
                let path = after[..end]
                    .replace("{*path}", "{name}/tags")
                    .replace("{*reference}", "{ref}");
                let tail = &after[end..];
                let method = if tail[..tail.find(')').unwrap_or(tail.len())].contains("post")
                    || tail
                        .trim_start_matches(['"', ',', ' ', '\n'])
                        .starts_with("axum::routing::post")
                {
                    "post"
                } else {
                    "get"
                };
                out.insert((path, method.to_string()));
            }
        }
        out
    }

    #[test]
    fn every_route_is_documented_and_every_documented_route_exists() {
        let served = registered();
        let documented: std::collections::BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|r| (r.path.to_string(), r.method.to_string()))
            .collect();
        assert!(served.len() > 20, "{served:?}");
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let missing: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty(),
            "served but not in the OpenAPI table: {undocumented:?}"
        );
        assert!(
            missing.is_empty(),
            "in the OpenAPI table but not served: {missing:?}"
        );
    }
}
