use super::*;

fn r(s: &str) -> ImageRef {
    ImageRef::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
}

#[test]
fn references_are_normalized_as_runtimes_resolve_them() {
    assert_eq!(r("nginx").full(), "docker.io/library/nginx:latest");
    assert_eq!(r("nginx:1.27").full(), "docker.io/library/nginx:1.27");
    assert_eq!(r("bitnami/redis:7").full(), "docker.io/bitnami/redis:7");
    assert_eq!(
        r("index.docker.io/library/nginx:1").name(),
        "docker.io/library/nginx"
    );
    let x = r("registry.example.com:5000/team/app:1.2@sha256:ABC");
    assert_eq!(x.registry, "registry.example.com:5000");
    assert_eq!(x.repository, "team/app");
    assert_eq!(x.tag.as_deref(), Some("1.2"));
    assert_eq!(x.digest.as_deref(), Some("sha256:abc"));
    assert_eq!(r("localhost/app").registry, "localhost");
    assert_eq!(
        r("docker-pullable://quay.io/prometheus/prometheus@sha256:1").tag_or_latest(),
        None
    );
    for bad in ["", "a b", "app:", "app@latest", "reg.io//x"] {
        assert!(ImageRef::parse(bad).is_none(), "{bad}");
    }
}

fn report(name: &str) -> ImageScan {
    let path = format!("{}/../../examples/trivy/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).expect("example report");
    parse_trivy(&path, &bytes).expect("parses")
}

#[test]
fn trivy_reports_become_scans() {
    let s = report("postgres-16.4.json");
    assert_eq!(s.image.full(), "docker.io/library/postgres:16.4");
    assert_eq!(s.scanner, "trivy");
    assert_eq!(s.digests.len(), 1);
    let c = s.counts();
    assert_eq!((c.critical, c.high, c.medium, c.low), (3, 0, 1, 2));
    assert_eq!(s.fixable(), 3);
    // Most severe first; the target is kept.
    assert_eq!(s.vulnerabilities[0].severity, Severity::Critical);
    assert_eq!(
        s.vulnerabilities.last().map(|v| v.severity),
        Some(Severity::Low)
    );
    assert!(
        s.vulnerabilities
            .iter()
            .any(|v| v.target.as_deref() == Some("usr/local/bin/gosu"))
    );
    // A result without vulnerabilities (clean OS packages) is fine.
    assert_eq!(report("payments-api-2.14.2.json").counts().critical, 1);
}

#[test]
fn bad_reports_name_the_file_and_the_place() {
    let e = parse_trivy(
        "r.json",
        b"{\n \"SchemaVersion\": 2,\n \"ArtifactName\": 5}",
    )
    .unwrap_err();
    assert!(e.starts_with("r.json:3:"), "{e}");
    let e = parse_trivy(
        "fs.json",
        br#"{"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem"}"#,
    )
    .unwrap_err();
    assert!(e.contains("filesystem"), "{e}");
    let e = parse_trivy("v1.json", br#"{"SchemaVersion": 1, "ArtifactName": "x"}"#).unwrap_err();
    assert!(e.contains("version 1"), "{e}");
}

fn pod(name: &str, image: &str, image_id: &str, phase: &str) -> Pod {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "db"},
        "spec": {"containers": [{"name": "main", "image": image}]},
        "status": {"phase": phase, "containerStatuses": [
            {"name": "main", "image": image, "imageID": image_id, "ready": true}
        ]}
    }))
    .expect("pod")
}

#[test]
fn scans_are_joined_with_the_pods_that_run_them() {
    let scan = report("postgres-16.4.json");
    let digest = scan.digests[0].clone();
    let pods = [
        // The same digest: runs it.
        pod(
            "pg-0",
            "postgres:16.4",
            &format!("docker-pullable://postgres@{digest}"),
            "Running",
        ),
        // Same tag, another digest (the tag moved): not this scan.
        pod(
            "pg-1",
            "postgres:16.4",
            "docker-pullable://postgres@sha256:0000",
            "Running",
        ),
        // No digest known: by tag.
        pod("pg-2", "docker.io/library/postgres:16.4", "", "Pending"),
        // Another tag, and a finished pod.
        pod("pg-3", "postgres:17", "", "Running"),
        pod("pg-4", "postgres:16.4", "", "Succeeded"),
    ];
    let images = pod_images("prod", &pods);
    assert_eq!(images.len(), 4);
    let view = exposure(&[scan, report("payments-api-2.14.2.json")], &images);
    assert_eq!(view.len(), 2);
    let pg = view
        .iter()
        .find(|i| i.image == "docker.io/library/postgres")
        .expect("postgres");
    let running: Vec<&str> = pg.tags[0].pods.iter().map(|p| p.pod.as_str()).collect();
    assert_eq!(running, ["pg-0", "pg-2"]);
    assert_eq!(pg.running_pods, 2);
    assert_eq!(pg.worst, Some(Severity::Critical));
    // Both critical: the image that runs comes first.
    assert_eq!(view[0].image, "docker.io/library/postgres");
    assert_eq!(view[1].running_pods, 0);
}

#[test]
fn one_image_scanned_twice_is_counted_once() {
    let trivy = report("postgres-16.4.json");
    let mut aqua = trivy.clone();
    aqua.scanner = "aqua".into();
    let digest = trivy.digests[0].clone();
    let pods = [pod(
        "pg-0",
        "postgres:16.4",
        &format!("docker-pullable://postgres@{digest}"),
        "Running",
    )];
    let view = exposure(&[trivy.clone(), aqua], &pod_images("prod", &pods));
    assert_eq!(view[0].tags.len(), 2, "both scans are shown");
    assert_eq!(view[0].running_pods, 1);
    assert_eq!(view[0].counts, trivy.counts());
}
