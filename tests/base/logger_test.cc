// The logger on a pipe held by the test: escaping and the line cap, lines in
// order, a full queue dropping and counting lines, the rate limit on a clock
// the test turns, and stopping while the pipe is full or has no reader. Every
// wait is a poll() with a deadline.
#include "base/logger.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "doctest/doctest.h"

namespace troupe {
namespace {

using Clock = std::chrono::steady_clock;
// Bounds every wait; a wait that needs it has failed.
constexpr std::chrono::seconds kLong{20};

// A pipe; its read end is non-blocking.
class Pipe {
 public:
  Pipe() {
    REQUIRE(pipe2(fds_, O_CLOEXEC) == 0);
    fcntl(fds_[0], F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    CloseRead();
    close(fds_[1]);
  }
  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void CloseRead() {
    if (fds_[0] >= 0) close(fds_[0]);
    fds_[0] = -1;
  }

  // Writes 'f' bytes until the pipe takes no more.
  void Fill() {
    const int flags = fcntl(fds_[1], F_GETFL);
    fcntl(fds_[1], F_SETFL, flags | O_NONBLOCK);
    const std::string chunk(4096, 'f');
    while (write(fds_[1], chunk.data(), chunk.size()) > 0) {
    }
    while (write(fds_[1], "f", 1) == 1) {
    }
    fcntl(fds_[1], F_SETFL, flags);
  }

  // Reads what there is, waiting (bounded) until the bytes read end with
  // `suffix`; the bytes read, without the leading 'f's of Fill().
  std::string ReadUntil(const std::string& suffix) {
    const auto deadline = Clock::now() + kLong;
    std::string text;
    char chunk[4096];
    while (!absl::EndsWith(text, suffix) && Clock::now() < deadline) {
      const ssize_t count = read(fds_[0], chunk, sizeof(chunk));
      if (count > 0) {
        text.append(chunk, count);
        continue;
      }
      if (count == 0 || errno != EAGAIN) break;
      pollfd fd{fds_[0], POLLIN, 0};
      poll(&fd, 1, 100);
    }
    return text.substr(std::min(text.find_first_not_of('f'), text.size()));
  }

 private:
  int fds_[2] = {-1, -1};
};

// Destroys `logger` on a thread of its own: true if that returned within
// kLong. A destructor that hangs is left behind (detached) with its logger.
bool StopsInTime(std::unique_ptr<Logger> logger) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> stopped = done->get_future();
  auto held = std::make_shared<std::unique_ptr<Logger>>(std::move(logger));
  std::thread stopper([held, done] {
    held->reset();
    done->set_value();
  });
  if (stopped.wait_for(kLong) != std::future_status::ready) {
    stopper.detach();
    return false;
  }
  stopper.join();
  return true;
}

TEST_CASE("EscapeLine escapes control bytes, backslash and what is not UTF-8") {
  CHECK(EscapeLine("plain text: 1.5 s", 1024) == "plain text: 1.5 s");
  CHECK(EscapeLine("\x1b[31mred\x1b[0m", 1024) == "\\x1b[31mred\\x1b[0m");
  CHECK(EscapeLine("a\nb\tc\x7f\r", 1024) == "a\\x0ab\\x09c\\x7f\\x0d");
  CHECK(EscapeLine(std::string("n\0ul", 4), 1024) == "n\\x00ul");
  CHECK(EscapeLine("C:\\dir", 1024) == "C:\\x5cdir");
  // UTF-8 passes, but not C1 controls (U+009B is CSI to some terminals).
  CHECK(EscapeLine("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9d\x84\x9e", 1024) ==
        "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9d\x84\x9e");
  CHECK(EscapeLine("\xc2\x9b"
                   "2J",
                   1024) == "\\xc2\\x9b2J");
  // A stray byte, an overlong '/', a surrogate, a cut sequence, past U+10FFFF.
  CHECK(EscapeLine("\xff", 1024) == "\\xff");
  CHECK(EscapeLine("\xc0\xaf", 1024) == "\\xc0\\xaf");
  CHECK(EscapeLine("\xed\xa0\x80", 1024) == "\\xed\\xa0\\x80");
  CHECK(EscapeLine("x\xe2\x82", 1024) == "x\\xe2\\x82");
  CHECK(EscapeLine("\xf4\x90\x80\x80", 1024) == "\\xf4\\x90\\x80\\x80");
}

TEST_CASE("EscapeLine cuts a long line and says how many bytes it left out") {
  const std::string huge(90 * 1000 * 1000, 'a');
  CHECK(EscapeLine(huge, 1024) ==
        std::string(1024, 'a') + "\xE2\x80\xA6 (89998976 bytes cut)");
  // Escapes count as what they write; a character is never split.
  std::string escaped;
  for (int i = 0; i < 256; ++i) escaped += "\\x1b";
  CHECK(EscapeLine(std::string(2000, '\x1b'), 1024) ==
        escaped + "\xE2\x80\xA6 (1744 bytes cut)");
  CHECK(EscapeLine("\xc3\xa9\xc3\xa9\xc3\xa9", 5) ==
        "\xc3\xa9\xc3\xa9\xE2\x80\xA6 (2 bytes cut)");
  CHECK(EscapeLine("abc", 3) == "abc");
}

TEST_CASE("a logger writes its lines escaped, capped and in order") {
  Pipe pipe;
  LoggerOptions options;
  options.fd = pipe.write_fd();
  options.max_line_bytes = 16;
  auto logger = std::make_unique<Logger>(options);
  logger->Log(LogLevel::kInfo, "test", "one");
  logger->Log(LogLevel::kInfo, "test", "\x1b]0;title\x07two");
  logger->Log(LogLevel::kInfo, "test", std::string(40, 'x'));
  CHECK(pipe.ReadUntil("(24 bytes cut)\n") ==
        absl::StrCat("one\n\\x1b]0;title\\x07\xE2\x80\xA6 (3 bytes cut)\n",
                     std::string(16, 'x'), "\xE2\x80\xA6 (24 bytes cut)\n"));
  CHECK(StopsInTime(std::move(logger)));
}

TEST_CASE("a logger writes lines at its level or above, tagged by level") {
  Pipe pipe;
  LoggerOptions options;
  options.fd = pipe.write_fd();
  options.min_level = LogLevel::kWarning;
  auto logger = std::make_unique<Logger>(options);
  logger->Log(LogLevel::kDebug, "test", "a");
  logger->Log(LogLevel::kInfo, "test", "b");
  logger->Log(LogLevel::kWarning, "test", "c");
  logger->Log(LogLevel::kError, "test", "d");
  CHECK(pipe.ReadUntil("d\n") == "warning: c\nerror: d\n");
  CHECK(StopsInTime(std::move(logger)));
  CHECK(ParseLogLevel("debug").value() == LogLevel::kDebug);
  CHECK(ParseLogLevel("error").value() == LogLevel::kError);
  CHECK(ParseLogLevel("loud").status().message() ==
        "Invalid --log-level 'loud'; expected debug, info, warning or error");
}

TEST_CASE(
    "a full queue drops lines, counts them and says so when room returns") {
  Pipe pipe;
  pipe.Fill();
  LoggerOptions options;
  options.fd = pipe.write_fd();
  options.queue_bytes = 1000;
  options.burst = 1000;
  options.notice_prefix = "task: ";
  Logger logger(options);
  // 25 lines of 100 bytes (with their newlines): 10 fit, whether or not the
  // writer has taken some already, since it cannot write any.
  std::string expected;
  for (int i = 0; i < 25; ++i) {
    std::string line = absl::StrFormat("line %02d ", i);
    line.resize(99, '.');
    logger.Log(LogLevel::kInfo, "test", line);
    if (i < 10) absl::StrAppend(&expected, line, "\n");
  }
  CHECK(logger.dropped() == 15);
  // What comes out first is lines that fit, whole and in the order logged,
  // then a notice of drops. The writer may see room return while the lines
  // are still being logged (it takes lines it cannot write yet), so the
  // drops may be reported in more than one notice, the first with fewer than
  // 15; the count above is exact.
  const std::string text = pipe.ReadUntil("dropped\n");
  std::string lines;
  int64_t reported = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    int64_t count = 0;
    // "1 line dropped", "14 lines dropped".
    if (absl::ConsumePrefix(&line, "task: [log] ") &&
        (absl::ConsumeSuffix(&line, " lines dropped") ||
         absl::ConsumeSuffix(&line, " line dropped")) &&
        absl::SimpleAtoi(line, &count)) {
      reported += count;
    } else {
      CHECK(reported == 0);  // No line after the notice.
      absl::StrAppend(&lines, line, "\n");
    }
  }
  CHECK(reported >= 1);
  CHECK(reported <= 15);
  CHECK_FALSE(lines.empty());
  CHECK(absl::StartsWith(expected, lines));
}

TEST_CASE("the rate limit holds back a source past its burst and counts") {
  Pipe pipe;
  std::atomic<int64_t> nanos{0};
  LoggerOptions options;
  options.fd = pipe.write_fd();
  options.burst = 3;
  options.lines_per_second = 1;
  options.now = [&nanos] {
    return Clock::time_point(std::chrono::nanoseconds(nanos.load()));
  };
  Logger logger(options);
  for (int i = 1; i <= 5; ++i)
    logger.Log(LogLevel::kInfo, "guard", absl::StrCat("g", i));
  logger.Log(LogLevel::kInfo, "caf", "c1");
  CHECK(logger.suppressed() == 2);
  CHECK(pipe.ReadUntil("c1\n") == "g1\ng2\ng3\nc1\n");
  nanos += std::chrono::nanoseconds(std::chrono::seconds(1)).count();
  logger.Log(LogLevel::kInfo, "guard", "g6");
  CHECK(pipe.ReadUntil("g6\n") == "[log] 2 lines from guard suppressed\ng6\n");
  CHECK(logger.suppressed() == 2);
}

TEST_CASE(
    "stopping returns while the pipe is full, and writes while it is not") {
  Pipe full;
  full.Fill();
  LoggerOptions options;
  options.fd = full.write_fd();
  auto stuck = std::make_unique<Logger>(options);
  for (int i = 0; i < 100; ++i)
    stuck->Log(LogLevel::kInfo, "test", "never read");
  CHECK(StopsInTime(std::move(stuck)));

  Pipe open;
  options.fd = open.write_fd();
  auto last = std::make_unique<Logger>(options);
  last->Log(LogLevel::kInfo, "test", "stopping (signal 15)");
  CHECK(StopsInTime(std::move(last)));
  CHECK(open.ReadUntil("\n") == "stopping (signal 15)\n");
}

TEST_CASE("a pipe whose reader is gone costs the lines, not the process") {
  Pipe pipe;
  pipe.CloseRead();
  LoggerOptions options;
  options.fd = pipe.write_fd();
  auto logger = std::make_unique<Logger>(options);
  for (int i = 0; i < 10; ++i)
    logger->Log(LogLevel::kInfo, "test", "nobody reads this");
  CHECK(StopsInTime(std::move(logger)));
}

}  // namespace
}  // namespace troupe
