{
  # Bastion's TLS engine: GnuTLS through plain C N-API (node_api.h only), ABI-stable, so the
  # same .node loads in Node and in Electron without electron-rebuild.
  #   Linux / macOS (Homebrew) / MSYS2 shells: GnuTLS is found with pkg-config.
  #   Windows (MSVC, the node-gyp default): GNUTLS_ROOT points at an MSYS2 mingw64 tree that
  #   also holds an MSVC import library lib/libgnutls.lib (see README.md).
  "targets": [
    {
      "target_name": "bastion_gnutls",
      "sources": [
        "src/addon.c",
        "src/create.c",
        "src/priority.c",
        "src/util.c",
        "src/session.c",
        "src/signer.c",
        "src/verify.c",
        "src/info.c",
        "src/ocsp.c",
        "src/handshake.c",
        "src/pkcs12.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS!='win'", {
          # uv.h (the handshake thread: uv_thread/uv_mutex/uv_cond) needs the POSIX thread types
          # that strict -std=c11 hides.
          "defines": ["_GNU_SOURCE"],
          "cflags": [
            "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter",
            "-Werror=implicit-function-declaration", "-fvisibility=hidden"
          ],
          "include_dirs": ["<!@(pkg-config --cflags-only-I gnutls | sed s/-I//g)"],
          "libraries": ["<!@(pkg-config --libs gnutls)"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "OTHER_CFLAGS": ["-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }],
        ["OS=='win'", {
          "include_dirs": ["<!(node -p \"(process.env.GNUTLS_ROOT||'C:/msys64/mingw64')+'/include'\")"],
          "libraries": ["<!(node -p \"(process.env.GNUTLS_ROOT||'C:/msys64/mingw64')+'/lib/libgnutls.lib'\")"],
          "defines": ["_CRT_SECURE_NO_WARNINGS"]
        }]
      ]
    }
  ]
}
