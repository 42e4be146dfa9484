# syntax=docker/dockerfile:1
# spof in a container: a static binary (musl) on distroless's static image,
# run as its non-root user. Check the current directory with
#   docker run --rm -v "$PWD:/src" IMAGE check .
# Build: docker build -t spof .

FROM rust:1.95-alpine3.22 AS build
# mimalloc is C: a C compiler and musl's headers. On Alpine, Rust's default
# target is x86_64- or aarch64-unknown-linux-musl, which links statically.
RUN apk add --no-cache gcc musl-dev
WORKDIR /build
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked --bin spof \
    && cp target/release/spof /spof \
    && strip /spof

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /spof /usr/local/bin/spof
# distroless's `nonroot` user (65532); the mounted repository needs only to
# be readable by it.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["spof"]
CMD ["check", "."]
