#pragma once
// The workflow service: owner of declarations. Commands and queries over NATS request–reply
// (queue group "workflow"), the outbox relay, the score consumer and the publicity timer.

#include "sdp/service.hpp"

namespace sdp::workflow {

ServiceSpec spec();
void setup(Runtime& runtime);

// The commands served on sdp.cmd.workflow.<verb>.
inline constexpr const char* kVerbs[] = {"create", "update", "submit",  "withdraw", "decide",
                                         "get",    "list",   "pending", "history",  "stats"};

}  // namespace sdp::workflow
