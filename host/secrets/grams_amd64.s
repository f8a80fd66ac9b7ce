#include "textflag.h"

// The gram hash's shift, 32-gramBits: it must follow gramBits in prefilter.go (TestGramsAVX2
// fails otherwise).
#define HASHSHIFT $12

// Lane k of the shuffle (k < 4 in the low 128 bits, 4 to 7 in the high ones, both holding
// the same 16 bytes) takes bytes k to k+3: the gram of position k.
DATA gramShuffle<>+0x00(SB)/8, $0x0403020103020100
DATA gramShuffle<>+0x08(SB)/8, $0x0605040305040302
DATA gramShuffle<>+0x10(SB)/8, $0x0807060507060504
DATA gramShuffle<>+0x18(SB)/8, $0x0a09080709080706
GLOBL gramShuffle<>(SB), RODATA|NOPTR, $32

DATA gramFold<>+0x00(SB)/4, $0x20202020
GLOBL gramFold<>(SB), RODATA|NOPTR, $4
DATA gramMul<>+0x00(SB)/4, $0x9E3779B1
GLOBL gramMul<>(SB), RODATA|NOPTR, $4
DATA gramBit<>+0x00(SB)/4, $31
GLOBL gramBit<>(SB), RODATA|NOPTR, $4

// func nextGramsAVX2(begin *[1 << gramBits / 64]uint64, buf []byte, i int) (at int, m uint64)
TEXT ·nextGramsAVX2(SB), NOSPLIT, $0-56
	MOVQ begin+0(FP), AX
	MOVQ buf_base+8(FP), SI
	MOVQ buf_len+16(FP), DX
	MOVQ i+32(FP), CX
	SUBQ $16, DX
	VMOVDQU gramShuffle<>(SB), Y3
	VPBROADCASTD gramFold<>(SB), Y1
	VPBROADCASTD gramMul<>(SB), Y2
	VPBROADCASTD gramBit<>(SB), Y4

loop:
	CMPQ CX, DX
	JGT  none
	VBROADCASTI128 (SI)(CX*1), Y0
	VPSHUFB      Y3, Y0, Y0
	VPOR         Y1, Y0, Y0
	VPMULLD      Y2, Y0, Y0
	VPSRLD       HASHSHIFT, Y0, Y0
	VPSRLD       $5, Y0, Y5
	VPAND        Y4, Y0, Y6
	VPCMPEQD     Y7, Y7, Y7
	VPXOR        Y8, Y8, Y8
	VPGATHERDD   Y7, (AX)(Y5*4), Y8
	VPSRLVD      Y6, Y8, Y8
	VPSLLD       $31, Y8, Y8
	VMOVMSKPS    Y8, BX
	TESTL        BX, BX
	JNZ          found
	ADDQ         $8, CX
	JMP          loop

found:
	MOVQ CX, at+40(FP)
	MOVQ BX, m+48(FP)
	VZEROUPPER
	RET

none:
	MOVQ CX, at+40(FP)
	MOVQ $0, m+48(FP)
	VZEROUPPER
	RET
