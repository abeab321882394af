;; RFC 6455 §5.3 masking, 16 bytes per instruction: XOR the first `len` bytes of a 64 KiB window
;; with a 4-byte key. The JavaScript side copies payload through the window (see xor-window.ts).
;; The bytes embedded in xor-window.ts are this text assembled with wabt's wat2wasm
;; (test/ws-frame-parser/xor-window.test.ts checks that they match).
(module
  ;; Exactly one page, never grown, so a view of it stays valid.
  (memory (export "memory") 1 1)
  ;; `key` is the key as a little-endian word, its first byte applying to window byte 0.
  (func (export "xor") (param $len i32) (param $key i32)
    (local $i i32) (local $end i32) (local $k v128)
    (local.set $k (i32x4.splat (local.get $key)))
    ;; 64 bytes a round
    (local.set $end (i32.and (local.get $len) (i32.const -64)))
    (block $done64
      (loop $next64
        (br_if $done64 (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store offset=0 (local.get $i) (v128.xor (v128.load offset=0 (local.get $i)) (local.get $k)))
        (v128.store offset=16 (local.get $i) (v128.xor (v128.load offset=16 (local.get $i)) (local.get $k)))
        (v128.store offset=32 (local.get $i) (v128.xor (v128.load offset=32 (local.get $i)) (local.get $k)))
        (v128.store offset=48 (local.get $i) (v128.xor (v128.load offset=48 (local.get $i)) (local.get $k)))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $next64)))
    ;; then whole words
    (local.set $end (i32.and (local.get $len) (i32.const -4)))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
        (i32.store (local.get $i) (i32.xor (i32.load (local.get $i)) (local.get $key)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next4)))
    ;; then up to 3 bytes, each with its byte of the key
    (block $done1
      (loop $next1
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8 (local.get $i)
          (i32.xor (i32.load8_u (local.get $i))
                   (i32.shr_u (local.get $key) (i32.shl (i32.and (local.get $i) (i32.const 3)) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next1)))))
