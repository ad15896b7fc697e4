#include "config/data_dir.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "doctest/doctest.h"

#include "support/temp_dir.h"

namespace troupe {
namespace {

namespace fs = std::filesystem;

// A data directory "data" with a file and a subdirectory, beside an "outside"
// directory with a secret, under a fresh temporary directory.
struct Layout {
  Layout() : top(temp.path()) {
    fs::create_directories(top / "data" / "sub");
    fs::create_directories(top / "outside");
    std::ofstream(top / "data" / "a.csv") << "1,2\n";
    std::ofstream(top / "data" / "sub" / "b.csv") << "3,4\n";
    std::ofstream(top / "outside" / "secret") << "no\n";
    fs::create_symlink(top / "outside", top / "data" / "escape");
    fs::create_symlink(top / "outside" / "secret", top / "data" / "link");
    fs::create_symlink(top / "data" / "a.csv", top / "data" / "alias");
    auto opened = DataDir::Open((top / "data").string());
    REQUIRE(opened.ok());
    dir = *opened;
  }

  std::string Data(const std::string& name) const {
    return (fs::canonical(top / "data") / name).string();
  }

  support::TempDir temp;
  fs::path top;
  DataDir dir = *DataDir::Open(".");
};

TEST_SUITE("config") {
  TEST_CASE("a data directory serves the files below it") {
    Layout layout;
    CHECK(*layout.dir.ForReading("a.csv") == layout.Data("a.csv"));
    CHECK(*layout.dir.ForReading("sub/b.csv") == layout.Data("sub/b.csv"));
    CHECK(*layout.dir.ForReading("sub/../a.csv") == layout.Data("a.csv"));
    CHECK(*layout.dir.ForReading(layout.Data("a.csv")) == layout.Data("a.csv"));
    CHECK(*layout.dir.ForReading("alias") == layout.Data("a.csv"));
    CHECK(*layout.dir.ForWriting("new.ckpt") == layout.Data("new.ckpt"));
    CHECK(*layout.dir.ForWriting("sub/new.ckpt") ==
          layout.Data("sub/new.ckpt"));
  }

  TEST_CASE("a path that leaves the data directory is PERMISSION_DENIED") {
    Layout layout;
    const std::string secret = (layout.top / "outside" / "secret").string();
    for (const std::string& path :
         {std::string("../outside/secret"), secret,
          std::string("escape/secret"), std::string("link"),
          std::string("/etc/passwd"), std::string("escape/missing")}) {
      CAPTURE(path);
      absl::StatusOr<std::string> read = layout.dir.ForReading(path);
      REQUIRE_FALSE(read.ok());
      CHECK(absl::IsPermissionDenied(read.status()));
      CHECK(read.status().message() == path + " is outside the data directory");
      CHECK(absl::IsPermissionDenied(layout.dir.ForWriting(path).status()));
    }
    CHECK(absl::IsPermissionDenied(
        layout.dir.ForWriting("escape/new.ckpt").status()));
    CHECK(absl::IsPermissionDenied(
        layout.dir.ForWriting("../outside/new.ckpt").status()));
  }

  TEST_CASE("a missing file is NOT_FOUND with TensorFlow's text") {
    Layout layout;
    absl::StatusOr<std::string> missing = layout.dir.ForReading("nope.csv");
    REQUIRE_FALSE(missing.ok());
    CHECK(absl::IsNotFound(missing.status()));
    CHECK(missing.status().message() == "nope.csv; No such file or directory");
    CHECK(absl::IsNotFound(layout.dir.ForWriting("nodir/x.ckpt").status()));
    CHECK(absl::IsInvalidArgument(layout.dir.ForWriting("sub/").status()));
  }

  TEST_CASE("missing parent directories are made inside the data directory") {
    Layout layout;
    REQUIRE(layout.dir.MakeParents("ckpt/run/model-1").ok());
    CHECK(fs::is_directory(layout.top / "data" / "ckpt" / "run"));
    CHECK(layout.dir.MakeParents("a.csv").ok());
    CHECK(absl::IsPermissionDenied(layout.dir.MakeParents("escape/new/model")));
    CHECK_FALSE(fs::exists(layout.top / "outside" / "new"));
    CHECK(absl::IsPermissionDenied(layout.dir.MakeParents("../made/model")));
    CHECK_FALSE(fs::exists(layout.top / "made"));
  }

  TEST_CASE("a data directory must exist") {
    absl::StatusOr<DataDir> missing = DataDir::Open("/no/such/troupe/dir");
    REQUIRE_FALSE(missing.ok());
    CHECK(absl::IsInvalidArgument(missing.status()));
  }
}

}  // namespace
}  // namespace troupe
