package dev.preflight.wire;

/** Element type of batch data on the wire. Images that are uint8 at the source travel as uint8: 4x fewer bytes. */
public enum DType {
    UINT8(1, 1), FLOAT32(2, 4);

    public final int code;
    public final int bytes;

    DType(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    static DType ofCode(int code) {
        for (DType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new WireFormatException("unknown dtype code " + code);
    }
}
