# Project-wide compile options, applied to each of our targets through sdp::options.
add_library(sdp_options INTERFACE)
add_library(sdp::options ALIAS sdp_options)
target_compile_options(sdp_options INTERFACE -Wall -Wextra -Wpedantic
  # Aggregates with default member values are meant to be brace-initialised in part.
  -Wno-missing-field-initializers)
# Leave out what Boost.Asio deprecated, so nothing new comes to rely on it.
target_compile_definitions(sdp_options INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
# g++ 12 reports std::string concatenation at -O2 as out-of-bounds (GCC bugs 105329, 105651).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(sdp_options INTERFACE -Wno-array-bounds -Wno-restrict -Wno-stringop-overflow)
endif()
