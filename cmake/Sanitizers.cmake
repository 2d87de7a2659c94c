# -DSDP_SANITIZE=thread builds every target with ThreadSanitizer (tests/run.sh --tsan uses build-tsan/);
# it reaches each target through sdp::options, like the warnings.
set(SDP_SANITIZE "" CACHE STRING "Sanitizer for every target: empty or 'thread'")
set_property(CACHE SDP_SANITIZE PROPERTY STRINGS "" thread)
if(SDP_SANITIZE STREQUAL "thread")
  # -Wno-tsan: Boost.Asio's std_fenced_block uses atomic_thread_fence, which TSan does not model; the
  # warning is about Asio's headers, not our code, and would print 138 times a build.
  target_compile_options(sdp_options INTERFACE -fsanitize=thread -g -O1 -Wno-tsan)
  target_link_options(sdp_options INTERFACE -fsanitize=thread)
elseif(NOT SDP_SANITIZE STREQUAL "")
  message(FATAL_ERROR "SDP_SANITIZE must be empty or 'thread', not '${SDP_SANITIZE}'")
endif()
