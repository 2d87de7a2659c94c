#include <gtest/gtest.h>

#include "sdp/uscc.hpp"

TEST(Uscc, ValidCodesPass) {
  for (auto code : {"91370102MA3C00000B", "91350100M000100Y43", "91370000163044841F"})
    EXPECT_TRUE(sdp::valid_uscc(code)) << code;
}

TEST(Uscc, EveryWrongCheckCharacterFails) {
  std::string code = "91370102MA3C00000B";
  for (char c : std::string_view("0123456789ACDEFGHJKLMNPQRTUWXY")) {
    code[17] = c;
    EXPECT_FALSE(sdp::valid_uscc(code)) << code;
  }
}

TEST(Uscc, MalformedCodesFail) {
  for (auto code : {"", "91370102MA3C00000", "91370102MA3C00000BB", "91370102ma3c00000b", "9137010IMA3C00000B",
                    "913701O2MA3C00000B", "91AB0102MA3C00000B"})
    EXPECT_FALSE(sdp::valid_uscc(code)) << code;
}
