#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, rendered as text.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sdp::metrics {

using Labels = std::map<std::string, std::string>;

class Registry {
 public:
  // Adds `delta` to a counter (created on first use).
  void inc(const std::string& name, const Labels& labels = {}, double delta = 1.0);
  void set(const std::string& name, const Labels& labels, double value);      // a gauge
  void observe(const std::string& name, const Labels& labels, double value);  // a histogram, seconds
  void describe(const std::string& name, const std::string& type, const std::string& help);

  // The Prometheus text exposition format (version 0.0.4).
  std::string render() const;

  static const std::vector<double>& default_buckets();

 private:
  struct Histogram {
    std::vector<double> counts;  // per bucket, cumulative at render time
    double sum = 0;
    double count = 0;
  };
  struct Family {
    std::string type = "counter";
    std::string help;
    std::map<std::string, double> values;         // rendered label set -> value
    std::map<std::string, Histogram> histograms;  // rendered label set -> histogram
  };
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// The process-wide registry every service exposes at /metrics.
Registry& global();

// Escapes a label value per the exposition format and renders {k="v",...}.
std::string render_labels(const Labels& labels);

}  // namespace sdp::metrics
