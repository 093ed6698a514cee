// Rust over the C host: the same core, linked as libtoolwatch.a through `extern "C"` (no crates).
// Learns a routine, then prints the decision for a routine call and an odd one.
//   make -C hosts/c rust && hosts/c/build/guard-rs
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_double, c_int};

#[repr(C)]
struct Reason { code: c_int, flags: c_int, score: c_double, actual: c_double, typical: c_double, context: c_double }

#[repr(C)]
struct Decision {
    action: c_int, flags: c_int, mode: c_int, n_reasons: c_int, risk: c_double,
    signals: [c_double; 9], entity_learned: c_double, entity_age_ms: c_double, baseline_calls: c_double,
    window_count: c_double, reasons: [Reason; 16],
}

#[repr(C)]
struct Toolwatch { _opaque: [u8; 0] }

extern "C" {
    fn toolwatch_config_defaults(block: *mut c_double);
    fn toolwatch_config_set(block: *mut c_double, name: *const c_char, value: c_double) -> c_int;
    fn toolwatch_new(config: *const c_double, rc: *mut c_int, bad_slot: *mut c_int) -> *mut Toolwatch;
    fn toolwatch_free(tw: *mut Toolwatch);
    fn toolwatch_begin(tw: *mut Toolwatch, tenant: *const c_char, principal: *const c_char, tool: *const c_char) -> c_int;
    fn toolwatch_arg_string(tw: *mut Toolwatch, key: *const c_char, value: *const c_char, len: usize) -> c_int;
    fn toolwatch_check(tw: *mut Toolwatch, time_ms: c_double, tz: c_int, out: *mut Decision) -> c_int;
    fn toolwatch_state_hash(tw: *mut Toolwatch) -> u64;
    fn toolwatch_error_code(rc: c_int) -> *const c_char;
    fn toolwatch_action_name(action: c_int) -> *const c_char;
    fn toolwatch_reason_name(code: c_int) -> *const c_char;
}

/// A safe wrapper: the C strings live as long as each call needs them.
struct Detector(*mut Toolwatch);

impl Detector {
    fn new(settings: &[(&str, f64)]) -> Result<Detector, String> {
        let mut block = [0f64; 64];
        let (mut rc, mut slot) = (0, 0);
        unsafe {
            toolwatch_config_defaults(block.as_mut_ptr());
            for (k, v) in settings {
                let name = CString::new(*k).unwrap();
                if toolwatch_config_set(block.as_mut_ptr(), name.as_ptr(), *v) != 0 { return Err(format!("unknown setting {k}")); }
            }
            let tw = toolwatch_new(block.as_ptr(), &mut rc, &mut slot);
            if tw.is_null() { return Err(text(toolwatch_error_code(rc))); }
            Ok(Detector(tw))
        }
    }

    fn check(&mut self, tenant: &str, principal: &str, tool: &str, args: &[(&str, &str)], time_ms: f64) -> Result<(String, Vec<String>), String> {
        let c = |s: &str| CString::new(s).unwrap();
        let (t, p, o) = (c(tenant), c(principal), c(tool));
        unsafe {
            toolwatch_begin(self.0, t.as_ptr(), p.as_ptr(), o.as_ptr());
            for (k, v) in args {
                let key = c(k);
                toolwatch_arg_string(self.0, key.as_ptr(), v.as_ptr() as *const c_char, v.len());
            }
            let mut d: Decision = std::mem::zeroed();
            let rc = toolwatch_check(self.0, time_ms, 0, &mut d);
            if rc < 0 { return Err(text(toolwatch_error_code(rc))); }
            let reasons = (0..d.n_reasons as usize).map(|i| text(toolwatch_reason_name(d.reasons[i].code))).collect();
            Ok((text(toolwatch_action_name(d.action)), reasons))
        }
    }

    fn state_hash(&self) -> u64 { unsafe { toolwatch_state_hash(self.0) } }
}

impl Drop for Detector {
    fn drop(&mut self) { unsafe { toolwatch_free(self.0) } }
}

fn text(p: *const c_char) -> String { unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned() }

fn main() {
    let mut d = Detector::new(&[("minCalls", 5.0), ("learningWindowSeconds", 60.0)]).expect("config");
    let t0 = 1767603600000.0;
    for i in 0..12 { d.check("acme", "alice", "read_file", &[("path", "/srv/a")], t0 + i as f64 * 60000.0).unwrap(); }
    let (a, r) = d.check("acme", "alice", "read_file", &[("path", "/srv/a")], t0 + 13.0 * 60000.0).unwrap();
    println!("routine {} {}", a, r.join(" "));
    let (a, r) = d.check("acme", "alice", "drop_table", &[("table", "users")], t0 + 14.0 * 60000.0).unwrap();
    println!("odd {} {}", a, r.join(" "));
    println!("empty {}", d.check("acme", "alice", "", &[], t0 + 15.0 * 60000.0).unwrap_err());
    println!("hash {:016x}", d.state_hash());
}
