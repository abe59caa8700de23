// Conformance tests of transport/ofi/ofi_fabric and ofi_config: provider
// and interface selection, environment parsing, address classes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <rdma/fabric.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "tests/unit/ofi/ofi_test_util.hpp"

using namespace parley::test::ofi;

namespace {

AddrClass class_of_v4(const char* text) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, text, &a.sin_addr);
  return classify_address(FI_SOCKADDR_IN, &a, sizeof a);
}

AddrClass class_of_v6(const char* text) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  inet_pton(AF_INET6, text, &a.sin6_addr);
  return classify_address(FI_SOCKADDR_IN6, &a, sizeof a);
}

}  // namespace

TEST_CASE("Address classes keep public addresses apart from loopback and private ones") {
  CHECK(class_of_v4("127.0.0.1") == AddrClass::loopback);
  CHECK(class_of_v4("10.1.2.3") == AddrClass::private_net);
  CHECK(class_of_v4("172.20.0.1") == AddrClass::private_net);
  CHECK(class_of_v4("192.168.1.1") == AddrClass::private_net);
  CHECK(class_of_v4("192.0.2.2") == AddrClass::private_net);
  CHECK(class_of_v4("169.254.3.4") == AddrClass::link_local);
  CHECK(class_of_v4("8.8.8.8") == AddrClass::public_net);
  CHECK(class_of_v4("172.32.0.1") == AddrClass::public_net);
  CHECK(class_of_v6("::1") == AddrClass::loopback);
  CHECK(class_of_v6("fe80::1") == AddrClass::link_local);
  CHECK(class_of_v6("fd00::5") == AddrClass::private_net);
  CHECK(class_of_v6("2001:4860::8888") == AddrClass::public_net);
  std::uint64_t gid[2] = {1, 2};
  CHECK(classify_address(FI_ADDR_STR, gid, sizeof gid) == AddrClass::fabric);
}

TEST_CASE("Config reads PARLEY_OFI_* and rejects malformed values") {
  int rc = isolated([] {
    setenv("PARLEY_OFI_CREDITS", "8", 1);
    setenv("PARLEY_OFI_EAGER", "4k", 1);
    setenv("PARLEY_OFI_RMA", "0", 1);
    setenv("PARLEY_OFI_SCOPE", "network", 1);
    OfiConfig c;
    OFI_CHECK_OK(OfiConfig::from_env(&c));
    OFI_CHECK(c.credits == 8);
    OFI_CHECK(c.eager_size == 4096);
    OFI_CHECK(!c.want_rma);
    OFI_CHECK(c.scope == Scope::network);
    setenv("PARLEY_OFI_CREDITS", "lots", 1);
    OFI_CHECK(OfiConfig::from_env(&c).code == Code::invalid);
    setenv("PARLEY_OFI_CREDITS", "1", 1);
    TransportStatus st = OfiConfig::from_env(&c);
    OFI_CHECK(st.code == Code::invalid);
    OFI_CHECK(std::strstr(st.what, "PARLEY_OFI_CREDITS") != nullptr);
    setenv("PARLEY_OFI_CREDITS", "8", 1);
    setenv("PARLEY_OFI_SCOPE", "galaxy", 1);
    OFI_CHECK(OfiConfig::from_env(&c).code == Code::invalid);
    setenv("PARLEY_OFI_SCOPE", "network", 1);
    OFI_CHECK(c.frag_max == 32768);  // the default
    setenv("PARLEY_OFI_FRAG_MAX", "0", 1);  // off
    OFI_CHECK_OK(OfiConfig::from_env(&c));
    OFI_CHECK(c.frag_max == 0);
    setenv("PARLEY_OFI_FRAG_MAX", "1m", 1);
    OFI_CHECK_OK(OfiConfig::from_env(&c));
    OFI_CHECK(c.frag_max == (1u << 20));
    setenv("PARLEY_OFI_FRAG_MAX", "-5", 1);
    st = OfiConfig::from_env(&c);
    OFI_CHECK(st.code == Code::invalid && std::strstr(st.what, "PARLEY_OFI_FRAG_MAX") != nullptr);
    setenv("PARLEY_OFI_FRAG_MAX", "1g", 1);
    st = OfiConfig::from_env(&c);
    OFI_CHECK(st.code == Code::invalid && std::strstr(st.what, "PARLEY_OFI_FRAG_MAX") != nullptr);
    setenv("PARLEY_OFI_FRAG_MAX", "32k", 1);
    OFI_CHECK(c.inject_size == 512);  // the default
    setenv("PARLEY_OFI_INJECT", "0", 1);
    OFI_CHECK_OK(OfiConfig::from_env(&c));
    OFI_CHECK(c.inject_size == 0);
    setenv("PARLEY_OFI_INJECT", "1m", 1);
    st = OfiConfig::from_env(&c);
    OFI_CHECK(st.code == Code::invalid && std::strstr(st.what, "PARLEY_OFI_INJECT") != nullptr);
    setenv("PARLEY_OFI_INJECT", "512", 1);
    OFI_CHECK_OK(OfiConfig::from_env(&c));
    OFI_CHECK(c.lend_credit);  // the default
    setenv("PARLEY_OFI_LEND", "0", 1);
    OFI_CHECK_OK(OfiConfig::from_env(&c));
    OFI_CHECK(!c.lend_credit);
    setenv("PARLEY_OFI_LEND", "on", 1);
    OFI_CHECK_OK(OfiConfig::from_env(&c));
    OFI_CHECK(c.lend_credit);
    setenv("PARLEY_OFI_LEND", "maybe", 1);
    st = OfiConfig::from_env(&c);
    OFI_CHECK(st.code == Code::invalid && std::strstr(st.what, "PARLEY_OFI_LEND") != nullptr);
    setenv("PARLEY_OFI_LEND", "1", 1);
    OFI_CHECK_OK(OfiConfig::from_env(&c));
    OFI_CHECK(c.want_cq_data);  // the default
    setenv("PARLEY_OFI_CQ_DATA", "0", 1);
    OFI_CHECK_OK(OfiConfig::from_env(&c));
    OFI_CHECK(!c.want_cq_data);
    setenv("PARLEY_OFI_CQ_DATA", "sometimes", 1);
    st = OfiConfig::from_env(&c);
    OFI_CHECK(st.code == Code::invalid && std::strstr(st.what, "PARLEY_OFI_CQ_DATA") != nullptr);
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("Fabric picks an RDM provider with FI_MSG and, for one node, the loopback interface") {
  int rc = isolated([] {
    Fabric f;
    OFI_CHECK_OK(f.open(test_config()));
    std::fprintf(stderr, "ofi fabric: provider %s, domain %s, rma %d, inject %zu\n", f.provider_name(),
                 f.domain_name(), f.has_rma() ? 1 : 0, f.inject_size());
    OFI_CHECK(f.info()->ep_attr->type == FI_EP_RDM);
    OFI_CHECK((f.info()->caps & FI_MSG) != 0);
    OFI_CHECK(f.domain() != nullptr);
    // Socket-addressed providers must have chosen a loopback address.
    if (f.info()->addr_format == FI_SOCKADDR_IN || f.info()->addr_format == FI_SOCKADDR_IN6) {
      OFI_CHECK(classify_address(f.info()->addr_format, f.info()->src_addr, f.info()->src_addrlen) ==
                AddrClass::loopback);
    }
    f.close();
    f.close();  // harmless twice
    OFI_CHECK(!f.is_open());
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("Fabric honours PARLEY_OFI_IFACE and says so when it names nothing") {
  int rc = isolated([] {
    OfiConfig c = test_config();
    c.iface = "no-such-interface0";
    Fabric f;
    TransportStatus st = f.open(c);
    OFI_CHECK(st.code == Code::invalid);
    OFI_CHECK(std::strstr(st.what, "PARLEY_OFI_IFACE") != nullptr);
    Fabric g;
    OFI_CHECK_OK(g.open(test_config()));
    std::string domain = g.domain_name();
    g.close();
    c.iface = domain;  // naming the interface the default chose works too
    Fabric h;
    OFI_CHECK_OK(h.open(c));
    OFI_CHECK(domain == h.domain_name());
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("Fabric names the provider when PARLEY_OFI_PROVIDER asks for a missing one") {
  int rc = isolated([] {
    OfiConfig c = test_config();
    c.provider = "no-such-provider";
    Fabric f;
    TransportStatus st = f.open(c);
    OFI_CHECK(!st.ok());
    OFI_CHECK(std::strstr(st.what, "fi_getinfo") != nullptr);
    OFI_CHECK(std::strstr(st.what, "PARLEY_OFI_PROVIDER") != nullptr);
    return 0;
  });
  REQUIRE(rc == 0);
}
