# Default ports of the local stack (CONTRACT §1); each can be overridden from the environment.
: "${SDP_GATEWAY_PORT:=8080}"
: "${SDP_WORKFLOW_PORT:=8081}"
: "${SDP_SCORING_PORT:=8082}"
: "${SDP_NOTIFY_PORT:=8083}"
: "${SDP_MARIADB_PORT:=3307}"
: "${SDP_NATS_PORT:=4222}"
