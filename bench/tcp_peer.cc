#include "bench/tcp_peer.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <thread>

#include "bench/bench_util.h"
#include "support/loopback.h"

namespace troupe::bench {

namespace {

enum Mode : uint64_t { kStoreAndForward = 1, kStream = 2, kPingPong = 3 };

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, char* data, size_t size) {
  while (size > 0) {
    ssize_t n = recv(fd, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// Header of every connection: mode, then two numbers whose meaning depends
// on it (bytes; chunk bytes and chunks; count).
struct Header {
  uint64_t mode;
  uint64_t a;
  uint64_t b;
};

void Serve(int fd) {
  NoDelay(fd);
  Header header{};
  while (ReadAll(fd, reinterpret_cast<char*>(&header), sizeof(header))) {
    if (header.mode == kStoreAndForward) {
      std::vector<char> buffer(header.a);
      if (!ReadAll(fd, buffer.data(), buffer.size())) break;
      if (!WriteAll(fd, buffer.data(), buffer.size())) break;
    } else if (header.mode == kStream) {
      std::vector<char> buffer(header.a);
      bool ok = true;
      for (uint64_t i = 0; ok && i < header.b; ++i) {
        ok = ReadAll(fd, buffer.data(), buffer.size()) &&
             WriteAll(fd, buffer.data(), buffer.size());
      }
      if (!ok) break;
    } else if (header.mode == kPingPong) {
      char message[8];
      bool ok = true;
      for (uint64_t i = 0; ok && i < header.a; ++i) {
        ok = ReadAll(fd, message, sizeof(message)) &&
             WriteAll(fd, message, sizeof(message));
      }
      if (!ok) break;
    } else {
      break;
    }
  }
  close(fd);
}

absl::StatusOr<int> Connect(uint16_t port) {
  const int fd = support::ConnectToLoopback(port);
  if (fd < 0) return absl::UnavailableError("cannot connect to the TCP peer");
  NoDelay(fd);
  return fd;
}

absl::Status SendHeader(int fd, uint64_t mode, uint64_t a, uint64_t b) {
  Header header{mode, a, b};
  if (!WriteAll(fd, reinterpret_cast<const char*>(&header), sizeof(header)))
    return absl::UnavailableError("TCP peer: send failed");
  return absl::OkStatus();
}

}  // namespace

int RunTcpServer() {
  uint16_t port = 0;
  const int listener = support::ListenOnLoopback(64, &port);
  if (listener < 0) {
    std::cerr << "tcp server: cannot listen\n";
    return 1;
  }
  std::cout << "port " << port << std::endl;
  while (true) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    std::thread(Serve, fd).detach();
  }
}

absl::StatusOr<double> TcpStoreAndForward(uint16_t port, size_t bytes) {
  auto fd = Connect(port);
  if (!fd.ok()) return fd.status();
  std::vector<char> out(bytes, 1);
  std::vector<char> in(bytes);
  int64_t start = NowNs();
  absl::Status status = SendHeader(*fd, kStoreAndForward, bytes, 0);
  if (status.ok() && !WriteAll(*fd, out.data(), out.size()))
    status = absl::UnavailableError("TCP peer: send failed");
  if (status.ok() && !ReadAll(*fd, in.data(), in.size()))
    status = absl::UnavailableError("TCP peer: receive failed");
  int64_t end = NowNs();
  close(*fd);
  if (!status.ok()) return status;
  return Seconds(start, end);
}

absl::StatusOr<double> TcpStream(uint16_t port, size_t chunk_bytes,
                                 int64_t chunks) {
  auto fd = Connect(port);
  if (!fd.ok()) return fd.status();
  int64_t start = NowNs();
  absl::Status status =
      SendHeader(*fd, kStream, chunk_bytes, static_cast<uint64_t>(chunks));
  bool write_ok = true;
  std::thread writer([&] {
    std::vector<char> out(chunk_bytes, 1);
    for (int64_t i = 0; write_ok && i < chunks; ++i)
      write_ok = WriteAll(*fd, out.data(), out.size());
  });
  std::vector<char> in(chunk_bytes);
  bool read_ok = status.ok();
  for (int64_t i = 0; read_ok && i < chunks; ++i)
    read_ok = ReadAll(*fd, in.data(), in.size());
  int64_t end = NowNs();
  if (!read_ok) shutdown(*fd, SHUT_RDWR);
  writer.join();
  close(*fd);
  if (!read_ok || !write_ok) return absl::UnavailableError("TCP stream failed");
  return Seconds(start, end);
}

absl::StatusOr<std::vector<double>> TcpPingPong(uint16_t port, int64_t count) {
  auto fd = Connect(port);
  if (!fd.ok()) return fd.status();
  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(count));
  absl::Status status =
      SendHeader(*fd, kPingPong, static_cast<uint64_t>(count), 0);
  char message[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  for (int64_t i = 0; status.ok() && i < count; ++i) {
    int64_t start = NowNs();
    if (!WriteAll(*fd, message, sizeof(message)) ||
        !ReadAll(*fd, message, sizeof(message))) {
      status = absl::UnavailableError("TCP ping-pong failed");
      break;
    }
    latencies.push_back(static_cast<double>(NowNs() - start) / 1e3);
  }
  close(*fd);
  if (!status.ok()) return status;
  return latencies;
}

}  // namespace troupe::bench
