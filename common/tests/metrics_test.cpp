#include <gtest/gtest.h>

#include "sdp/metrics.hpp"

TEST(Metrics, CountersAndGaugesRender) {
  sdp::metrics::Registry r;
  r.describe("sdp_requests_total", "counter", "Requests served");
  r.inc("sdp_requests_total", {{"route", "/v1/x"}, {"status", "200"}});
  r.inc("sdp_requests_total", {{"route", "/v1/x"}, {"status", "200"}}, 2);
  r.set("sdp_in_flight", {}, 4);
  auto text = r.render();
  EXPECT_NE(text.find("# HELP sdp_requests_total Requests served\n# TYPE sdp_requests_total counter\n"),
            std::string::npos);
  EXPECT_NE(text.find("sdp_requests_total{route=\"/v1/x\",status=\"200\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE sdp_in_flight gauge\nsdp_in_flight 4\n"), std::string::npos) << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  sdp::metrics::Registry r;
  r.observe("sdp_latency_seconds", {{"route", "a"}}, 0.003);
  r.observe("sdp_latency_seconds", {{"route", "a"}}, 0.2);
  r.observe("sdp_latency_seconds", {{"route", "a"}}, 50);
  auto text = r.render();
  EXPECT_NE(text.find("sdp_latency_seconds_bucket{route=\"a\",le=\"0.0025\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sdp_latency_seconds_bucket{route=\"a\",le=\"0.005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("sdp_latency_seconds_bucket{route=\"a\",le=\"0.25\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sdp_latency_seconds_bucket{route=\"a\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("sdp_latency_seconds_count{route=\"a\"} 3\n"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(sdp::metrics::render_labels({{"p", "a\"b\\c\nd"}}), "{p=\"a\\\"b\\\\c\\nd\"}");
}
