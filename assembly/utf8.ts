// Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).

export function validUtf8(ptr: usize, len: i32): bool {
  let i: i32 = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(ptr + <usize>i);
    if (b0 < 0x80) { i++; continue; }
    let need: i32;
    let min: u32;
    let cp: u32;
    if ((b0 & 0xE0) == 0xC0) { need = 1; min = 0x80; cp = b0 & 0x1F; }
    else if ((b0 & 0xF0) == 0xE0) { need = 2; min = 0x800; cp = b0 & 0x0F; }
    else if ((b0 & 0xF8) == 0xF0) { need = 3; min = 0x10000; cp = b0 & 0x07; }
    else return false;
    if (i + need >= len) return false; // truncated sequence
    for (let k = 1; k <= need; k++) {
      const b = <u32>load<u8>(ptr + <usize>(i + k));
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += need + 1;
  }
  return true;
}
