package dev.tablease.serve.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The service's bearer token: 256 random bits (base64url), generated at start, written to a file only its
 * owner can read (0600, in a directory created 0700 when missing), compared in constant time.
 */
final class BearerToken {

    /** The mode of the token file. */
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /** The token itself. */
    private final String value;
    /** Its UTF-8 bytes, for the comparison. */
    private final byte[] bytes;

    private BearerToken(String value) {
        this.value = value;
        this.bytes = value.getBytes(StandardCharsets.UTF_8);
    }

    /** @return a new random token */
    static BearerToken generate() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return new BearerToken(Base64.getUrlEncoder().withoutPadding().encodeToString(b));
    }

    /** @return the token */
    String value() {
        return value;
    }

    /**
     * @param authorization the request's {@code Authorization} header, or {@code null}
     * @return whether it is {@code Bearer <this token>}
     */
    boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return isThis(authorization.substring(7).trim());
    }

    /**
     * @param token a token as given (the {@code access_token} query parameter of a page), or {@code null}
     * @return whether it is this token (compared in constant time)
     */
    boolean isThis(String token) {
        return token != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), bytes);
    }

    /**
     * Writes the token to {@code file} (replacing an old one atomically): a temporary file created 0600 in the
     * same directory, then moved.
     *
     * @param file where
     * @throws UncheckedIOException when it cannot be written, or the file system has no POSIX permissions
     */
    void writeTo(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException e) {
                    // raced; fine
                }
            }
            Path tmp = Files.createTempFile(dir, ".tablease-token-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            try {
                Files.writeString(tmp, value + "\n", StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(tmp, OWNER_ONLY);
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                throw new IOException("token file " + file + " is not mode 0600");
            }
        } catch (UnsupportedOperationException e) {
            throw new UncheckedIOException(new IOException("the token file needs a file system with POSIX permissions: " + file, e));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the token file " + file, e);
        }
    }

    /** Deletes {@code file} when it still holds this token (another server may have replaced it). */
    void deleteFrom(Path file) {
        try {
            if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).trim().equals(value)) {
                Files.delete(file);
            }
        } catch (IOException e) {
            // best effort: the token is dead with the server anyway
        }
    }
}
