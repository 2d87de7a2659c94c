# Project-wide compile options, applied to each of our targets through sdp::options.
add_library(sdp_options INTERFACE)
add_library(sdp::options ALIAS sdp_options)
target_compile_options(sdp_options INTERFACE -Wall -Wextra -Wpedantic)
# Boost.Asio 1.74 with g++ 12 warns about its own internals in C++23 mode; keep our signal clean.
target_compile_definitions(sdp_options INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
