/**
 * Blocking sockets over loopsock's loops: Python's socket semantics ({@link io.loopsock.socket.Socket},
 * {@link io.loopsock.socket.SocketFile}) and the {@code java.net} adapters
 * ({@link io.loopsock.socket.LoopSocket}, {@link io.loopsock.socket.LoopServerSocket}, their
 * factories, {@link io.loopsock.socket.LoopSockets#install(String)}), on the loops of a
 * {@link io.loopsock.socket.LoopGroup}. Callers block, platform or virtual threads; loop threads do
 * the I/O.
 *
 * <table class="striped">
 * <caption>Each method against Python and {@code java.net.Socket} (docs/socket.md has the notes
 * and every deviation with its reason)</caption>
 * <thead>
 * <tr><th>loopsock {@code Socket}</th><th>Python</th><th>{@code java.net}</th></tr>
 * </thead>
 * <tbody>
 * <tr><td>{@code Socket.create(group)}</td><td>{@code socket()}</td><td>{@code new Socket()},
 *     {@code LoopSocketFactory.createSocket()}</td></tr>
 * <tr><td>{@code connect(address)}</td><td>{@code connect}</td><td>{@code connect(address, timeout)}</td></tr>
 * <tr><td>{@code connectEx(address)}</td><td>{@code connect_ex}</td><td>none</td></tr>
 * <tr><td>{@code bind}, {@code listen}, {@code accept}</td><td>same</td><td>{@code ServerSocket}</td></tr>
 * <tr><td>{@code recv(n)}, {@code recvInto}</td><td>{@code recv}, {@code recv_into}</td>
 *     <td>{@code getInputStream().read}</td></tr>
 * <tr><td>{@code send}</td><td>{@code send}</td><td>none</td></tr>
 * <tr><td>{@code sendAll}</td><td>{@code sendall}</td><td>{@code getOutputStream().write}</td></tr>
 * <tr><td>{@code shutdown(READ / WRITE / BOTH)}</td><td>{@code shutdown}</td>
 *     <td>{@code shutdownInput}, {@code shutdownOutput}</td></tr>
 * <tr><td>{@code close}</td><td>{@code close}</td><td>{@code close}</td></tr>
 * <tr><td>{@code setTimeout}, {@code timeout}, {@code setBlocking}</td>
 *     <td>{@code settimeout}, {@code gettimeout}, {@code setblocking}</td>
 *     <td>{@code setSoTimeout} (reads and accepts only)</td></tr>
 * <tr><td>{@code setOption}, {@code option}, {@code supportedOptions}</td>
 *     <td>{@code setsockopt}, {@code getsockopt}</td>
 *     <td>{@code setOption}, {@code getOption}, {@code supportedOptions} and the legacy setters</td></tr>
 * <tr><td>{@code setKeepAlive(on, idle, interval, count)}</td><td>{@code ioctl(SIO_KEEPALIVE_VALS)}</td>
 *     <td>four options</td></tr>
 * <tr><td>{@code bytesReadable}</td><td>{@code ioctl(FIONREAD)}</td><td>{@code available()}</td></tr>
 * <tr><td>{@code bytesUnsent}</td><td>{@code ioctl(SIOCOUTQ)}</td><td>{@code LoopSocket.bytesUnsent()}</td></tr>
 * <tr><td>{@code makeFile}</td><td>{@code makefile}</td><td>the streams</td></tr>
 * <tr><td>{@code Socket.socketPair}, {@code Socket.createConnection}</td>
 *     <td>{@code socketpair}, {@code create_connection}</td><td>none</td></tr>
 * </tbody>
 * </table>
 */
package io.loopsock.socket;
