//! The service's Prometheus metrics (prometheus-client, OpenMetrics text): calls by outcome
//! and error type, call latency and fuel, calls in flight, queue depth, rejections by reason,
//! calls cancelled because their client went away, and responses by status.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    outcome: &'static str,
    error_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: u16,
}

/// Every metric the service keeps, registered once.
pub struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    rejections: Family<ReasonLabels, Counter>,
    responses: Family<StatusLabels, Counter>,
    duration: Histogram,
    fuel: Histogram,
    /// The series of the common case, looked up once: calls answered with a value, and 200s.
    value_calls: Counter,
    ok_responses: Counter,
    /// Calls stopped while running because their client went away.
    pub cancelled: Counter,
    /// Calls running on a worker now.
    pub in_flight: Gauge,
    /// Calls waiting for a worker now.
    pub queue_depth: Gauge,
    /// The compiled-code cache's counters (hits, misses, uncacheable, evictions, compiles,
    /// function-plan hits, misses and plans kept)
    /// and sizes (entries, bytes), brought up to date at each scrape.
    code_cache_counters: [Counter; 8],
    code_cache_sizes: [Gauge; 2],
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Fresh metrics, all zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kiln");
        let calls = Family::<CallLabels, Counter>::default();
        let rejections = Family::<ReasonLabels, Counter>::default();
        let responses = Family::<StatusLabels, Counter>::default();
        // 100 µs to about 105 s.
        let duration = Histogram::new(exponential_buckets(0.000_1, 2.0, 21));
        // 10^4 to 10^13 instructions.
        let fuel = Histogram::new(exponential_buckets(1e4, 10.0, 10));
        let in_flight = Gauge::default();
        let queue_depth = Gauge::default();
        let cancelled = Counter::default();
        let value_calls = calls
            .get_or_create(&CallLabels {
                outcome: "value",
                error_type: String::new(),
            })
            .clone();
        let ok_responses = responses
            .get_or_create(&StatusLabels { status: 200 })
            .clone();
        registry.register(
            "calls",
            "Calls answered, by outcome (value or error) and error type",
            calls.clone(),
        );
        registry.register(
            "rejections",
            "Requests answered without a call, by reason",
            rejections.clone(),
        );
        registry.register(
            "http_responses",
            "HTTP responses to evaluation requests, by status",
            responses.clone(),
        );
        registry.register(
            "call_duration_seconds",
            "Wall-clock time of calls, queue wait included",
            duration.clone(),
        );
        registry.register("call_fuel", "Fuel (instructions) calls used", fuel.clone());
        registry.register(
            "calls_cancelled",
            "Calls stopped while running because their client went away",
            cancelled.clone(),
        );
        registry.register("calls_in_flight", "Calls running now", in_flight.clone());
        registry.register(
            "queue_depth",
            "Calls waiting for a worker now",
            queue_depth.clone(),
        );
        let code_cache_counters: [Counter; 8] = Default::default();
        let code_cache_sizes: [Gauge; 2] = Default::default();
        for (counter, (name, help)) in code_cache_counters.iter().zip([
            (
                "code_cache_hits",
                "Community code loaded compiled from the code cache",
            ),
            (
                "code_cache_misses",
                "Community code not in the code cache (parsed, then compiled)",
            ),
            (
                "code_cache_uncacheable",
                "Community code known not to be worth caching (parsed)",
            ),
            (
                "code_cache_evictions",
                "Code cache entries dropped to stay within its bound",
            ),
            (
                "code_cache_compiles",
                "Compile calls that filled the code cache",
            ),
            (
                "code_cache_function_plan_hits",
                "Function definitions whose plan the code cache held (not read again)",
            ),
            (
                "code_cache_function_plan_misses",
                "Function definitions whose plan the code cache did not hold (read, then planned)",
            ),
            (
                "code_cache_function_plans_kept",
                "Function plans the executor handed to the code cache",
            ),
        ]) {
            registry.register(name, help, counter.clone());
        }
        for (gauge, (name, help)) in code_cache_sizes.iter().zip([
            ("code_cache_entries", "Entries in the code cache now"),
            ("code_cache_bytes", "Bytes the code cache holds now"),
        ]) {
            registry.register(name, help, gauge.clone());
        }
        Self {
            registry,
            code_cache_counters,
            code_cache_sizes,
            calls,
            rejections,
            responses,
            duration,
            fuel,
            value_calls,
            ok_responses,
            cancelled,
            in_flight,
            queue_depth,
        }
    }

    /// Counts an answered call: its error type (`None` for a value), time and fuel.
    pub fn call(&self, error_type: Option<&str>, seconds: f64, fuel: u64) {
        match error_type {
            None => {
                self.value_calls.inc();
            }
            Some(error_type) => {
                let labels = CallLabels {
                    outcome: "error",
                    error_type: error_type.to_string(),
                };
                self.calls.get_or_create(&labels).inc();
            }
        }
        self.duration.observe(seconds);
        self.fuel.observe(fuel as f64);
    }

    /// Counts a request answered (or dropped) without a call.
    pub fn reject(&self, reason: &'static str) {
        self.rejections
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// Counts a response to an evaluation request.
    pub fn respond(&self, status: u16) {
        if status == 200 {
            self.ok_responses.inc();
        } else {
            self.responses.get_or_create(&StatusLabels { status }).inc();
        }
    }

    /// Brings the code cache's series up to `stats` (its counters only grow).
    pub fn record_code_cache(&self, stats: &kiln_runner::CodeCacheStats) {
        let totals = [
            stats.hits,
            stats.misses,
            stats.uncacheable,
            stats.evictions,
            stats.compiles,
            stats.function_hits,
            stats.function_misses,
            stats.functions_stored,
        ];
        for (counter, total) in self.code_cache_counters.iter().zip(totals) {
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        for (gauge, value) in self
            .code_cache_sizes
            .iter()
            .zip([stats.entries, stats.bytes])
        {
            gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
        }
    }

    /// The metrics as OpenMetrics text.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_show_in_the_text() {
        let metrics = Metrics::new();
        metrics.call(None, 0.002, 50_000);
        metrics.call(Some("Z507"), 0.004, 70_000);
        metrics.reject("queue_full");
        metrics.respond(429);
        metrics.in_flight.inc();
        metrics.cancelled.inc();
        metrics.respond(200);
        let text = metrics.encode();
        for line in [
            "kiln_calls_total{outcome=\"value\",error_type=\"\"} 1",
            "kiln_calls_total{outcome=\"error\",error_type=\"Z507\"} 1",
            "kiln_rejections_total{reason=\"queue_full\"} 1",
            "kiln_http_responses_total{status=\"429\"} 1",
            "kiln_calls_in_flight 1",
            "kiln_calls_cancelled_total 1",
            "kiln_http_responses_total{status=\"200\"} 1",
            "kiln_call_duration_seconds_count 2",
            "kiln_call_fuel_count 2",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }
}
