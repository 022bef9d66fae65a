//! Counters read back from a `Metrics` registry's text with an OpenMetrics parser, as a
//! scraper reads `/metrics` (shared by the messaging suites and the store's tests).

/// `accord_dead_letters_total` as the Prometheus text of `metrics` has it: (system, address,
/// reason, count), sorted.
pub fn dead_letters(metrics: &accord::metrics::Metrics) -> Vec<(String, String, String, f64)> {
    let text = metrics.encode();
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
    let Some(family) = exposition.families.get("accord_dead_letters") else {
        return Vec::new();
    };
    let mut counted: Vec<_> = family
        .iter_samples()
        .map(|sample| {
            let labels = sample.get_labelset().unwrap();
            let label = |name| labels.get_label_value(name).unwrap().to_owned();
            let count = match &sample.value {
                openmetrics_parser::OpenMetricsValue::Counter(c) => c.value.as_f64(),
                other => panic!("{other:?}"),
            };
            let system = label("messaging_system");
            (
                system,
                label("messaging_destination_name"),
                label("reason"),
                count,
            )
        })
        .collect();
    counted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    counted
}
