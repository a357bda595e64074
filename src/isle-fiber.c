/* isle-fiber.c: switching between stacks of their own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A fiber is a stack and a saved stack pointer. Switching saves the
 * callee-saved registers on the current stack, swaps stack pointers and
 * restores the registers from the other stack: a handful of instructions
 * and no system call (swapcontext() changes the signal mask on every switch
 * and costs about 800 ns a round trip). Unlike setjmp/longjmp tricks this is
 * not disturbed by -D_FORTIFY_SOURCE, which checks longjmp targets.
 *
 * The stacks themselves, and the records that hold each fiber's saved
 * state, come from isle-stack.c.
 */

#include "config.h"

#include <gio/gio.h>

#include "isle-fiber-private.h"
#include "isle-fiber-struct-private.h"

/* The shape of a suspended fiber's stack, shared by the switches below and
 * _isle_fiber_start(), which builds the first frame a switch pops. */

/* Both ABIs want the stack pointer 16-byte aligned at a call. */
#define ISLE_FIBER_STACK_ALIGN 16
/* x86-64: the switch pushes rbp, rbx and r12-r15, and a call left the
 * return address below them: seven words. */
#define ISLE_FIBER_X86_64_FRAME_WORDS 7
/* AArch64: x19-x28, x29 and x30 (the link register, slot 11), and d8-d15:
 * 20 registers of 8 bytes. */
#define ISLE_FIBER_AARCH64_FRAME_BYTES 160
#define ISLE_FIBER_AARCH64_LR_SLOT 11
/* ucontext: room left above the stack's top, as the switches leave
 * ISLE_FIBER_STACK_ALIGN and more for makecontext()'s own frame. */
#define ISLE_FIBER_UCONTEXT_HEADROOM 64

#if defined(ISLE_FIBER_ASM_X86_64)

/* isle_fiber_swap (void **save_sp, void *load_sp): push the callee-saved
 * registers, store the stack pointer in *save_sp, load load_sp and pop the
 * same set from there.
 *
 * The SSE and x87 control words (rounding, exception masks) are not
 * switched: fibers share the thread's floating-point environment, as the
 * GLib callbacks dispatched on that thread do. Saving and comparing them
 * cost a third of a switch. */
void isle_fiber_swap (void **save_sp, void *load_sp);
void isle_fiber_trampoline (void);

__asm__ (
  ".text\n"
  ".globl isle_fiber_swap\n"
  ".hidden isle_fiber_swap\n"
  ".type isle_fiber_swap,@function\n"
  ".p2align 4\n"
  "isle_fiber_swap:\n"
  "  .cfi_startproc\n"
  "  pushq %rbp\n"
  "  pushq %rbx\n"
  "  pushq %r12\n"
  "  pushq %r13\n"
  "  pushq %r14\n"
  "  pushq %r15\n"
  "  movq %rsp, (%rdi)\n"
  "  movq %rsi, %rsp\n"
  "  popq %r15\n"
  "  popq %r14\n"
  "  popq %r13\n"
  "  popq %r12\n"
  "  popq %rbx\n"
  "  popq %rbp\n"
  "  ret\n"
  "  .cfi_endproc\n"
  ".size isle_fiber_swap,.-isle_fiber_swap\n"

  /* A new fiber's first switch returns here with the fiber in %r12. The
   * undefined return address ends backtraces at the fiber's entry. */
  ".globl isle_fiber_trampoline\n"
  ".hidden isle_fiber_trampoline\n"
  ".type isle_fiber_trampoline,@function\n"
  ".p2align 4\n"
  "isle_fiber_trampoline:\n"
  "  .cfi_startproc\n"
  "  .cfi_undefined rip\n"
  "  movq %r12, %rdi\n"
  "  call isle_fiber_entry\n"
  "  ud2\n"
  "  .cfi_endproc\n"
  ".size isle_fiber_trampoline,.-isle_fiber_trampoline\n"
);

#elif defined(ISLE_FIBER_ASM_AARCH64)

void isle_fiber_swap (void **save_sp, void *load_sp);
void isle_fiber_trampoline (void);

/* The AAPCS64 callee-saved set: x19-x28, the frame pointer x29, the link
 * register x30 (where ret goes) and the low halves of v8-v15. */
__asm__ (
  ".text\n"
  ".globl isle_fiber_swap\n"
  ".hidden isle_fiber_swap\n"
  ".type isle_fiber_swap,%function\n"
  ".p2align 4\n"
  "isle_fiber_swap:\n"
  "  sub sp, sp, #" G_STRINGIFY (ISLE_FIBER_AARCH64_FRAME_BYTES) "\n"
  "  stp x19, x20, [sp, #0]\n"
  "  stp x21, x22, [sp, #16]\n"
  "  stp x23, x24, [sp, #32]\n"
  "  stp x25, x26, [sp, #48]\n"
  "  stp x27, x28, [sp, #64]\n"
  "  stp x29, x30, [sp, #80]\n"
  "  stp d8, d9, [sp, #96]\n"
  "  stp d10, d11, [sp, #112]\n"
  "  stp d12, d13, [sp, #128]\n"
  "  stp d14, d15, [sp, #144]\n"
  "  mov x2, sp\n"
  "  str x2, [x0]\n"
  "  mov sp, x1\n"
  "  ldp x19, x20, [sp, #0]\n"
  "  ldp x21, x22, [sp, #16]\n"
  "  ldp x23, x24, [sp, #32]\n"
  "  ldp x25, x26, [sp, #48]\n"
  "  ldp x27, x28, [sp, #64]\n"
  "  ldp x29, x30, [sp, #80]\n"
  "  ldp d8, d9, [sp, #96]\n"
  "  ldp d10, d11, [sp, #112]\n"
  "  ldp d12, d13, [sp, #128]\n"
  "  ldp d14, d15, [sp, #144]\n"
  "  add sp, sp, #" G_STRINGIFY (ISLE_FIBER_AARCH64_FRAME_BYTES) "\n"
  "  ret\n"
  ".size isle_fiber_swap,.-isle_fiber_swap\n"

  ".globl isle_fiber_trampoline\n"
  ".hidden isle_fiber_trampoline\n"
  ".type isle_fiber_trampoline,%function\n"
  ".p2align 4\n"
  "isle_fiber_trampoline:\n"
  "  mov x29, xzr\n"
  "  mov x0, x19\n"
  "  bl isle_fiber_entry\n"
  "  brk #0\n"
  ".size isle_fiber_trampoline,.-isle_fiber_trampoline\n"
);

#endif

/* AddressSanitizer must be told about every switch, or it takes the fiber's
 * frames for overflows of the thread's stack. */
static inline void
asan_start_switch (void      **fake_stack_save,
                   const void *bottom,
                   gsize       size)
{
#ifdef ISLE_ASAN
  __sanitizer_start_switch_fiber (fake_stack_save, bottom, size);
#endif
}

static inline void
asan_finish_switch (void        *fake_stack_save,
                    const void **bottom_old,
                    gsize       *size_old)
{
#ifdef ISLE_ASAN
  __sanitizer_finish_switch_fiber (fake_stack_save, bottom_old, size_old);
#endif
}

/* ThreadSanitizer: a switch to a fiber notes where it returns to; the
 * flags of 0 make each switch a synchronisation point, which it is: the
 * two stacks run one after the other on one thread. */
static inline void
tsan_switch_in (IsleFiber *fiber)
{
#ifdef ISLE_TSAN
  fiber->tsan_return_fiber = __tsan_get_current_fiber ();
  __tsan_switch_to_fiber (fiber->tsan_fiber, 0);
#endif
}

static inline void
tsan_switch_out (IsleFiber *fiber)
{
#ifdef ISLE_TSAN
  __tsan_switch_to_fiber (fiber->tsan_return_fiber, 0);
#endif
}

static inline void landed (IsleFiber *fiber,
                           void      *fake_stack);

/* Referenced from the trampoline's assembly, hence not static. */
G_GNUC_NORETURN __attribute__((used)) void isle_fiber_entry (IsleFiber *fiber);

G_GNUC_NORETURN void
isle_fiber_entry (IsleFiber *fiber)
{
  landed (fiber, NULL);

  fiber->func (fiber->data);
  fiber->done = TRUE;

  /* The last switch out: NULL tells AddressSanitizer this stack's frames
   * are gone for good. Nothing resumes this context; a restarted fiber
   * gets a fresh one from _isle_fiber_start(). */
#ifdef ISLE_ASAN
  asan_start_switch (NULL, fiber->return_stack_lo, fiber->return_stack_size);
#endif
  tsan_switch_out (fiber);
#if defined(ISLE_FIBER_UCONTEXT)
  setcontext (&fiber->return_context);
#else
  isle_fiber_swap (&fiber->sp, fiber->return_sp);
#endif
  g_assert_not_reached ();
}

#ifdef ISLE_FIBER_UCONTEXT
static void
ucontext_entry (unsigned hi,
                unsigned lo)
{
  isle_fiber_entry ((IsleFiber *) (((guintptr) hi << 32) | (guintptr) lo));
}
#endif

void
_isle_fiber_start (IsleFiber     *fiber,
                   IsleFiberFunc  func,
                   gpointer       data)
{
  fiber->func = func;
  fiber->data = data;
  fiber->done = FALSE;

#if defined(ISLE_FIBER_ASM_X86_64)
  {
    /* After the first swap pops this frame and returns into the
     * trampoline, %rsp is 16-byte aligned, as the call it makes needs:
     * the frame is what the switch saves, six callee-saved registers and
     * the return address (ISLE_FIBER_X86_64_FRAME_WORDS), below a top
     * kept 16 bytes under the stack's end and 16-byte aligned. */
    guintptr top = ((guintptr) (fiber->stack_lo + fiber->stack_size) - ISLE_FIBER_STACK_ALIGN) &
                   ~(guintptr) (ISLE_FIBER_STACK_ALIGN - 1);
    guint64 *frame = (guint64 *) (top - ISLE_FIBER_X86_64_FRAME_WORDS * sizeof (guint64));

    frame[0] = 0;                   /* r15 */
    frame[1] = 0;                   /* r14 */
    frame[2] = 0;                   /* r13 */
    frame[3] = (guintptr) fiber;    /* r12: the trampoline's argument */
    frame[4] = 0;                   /* rbx */
    frame[5] = 0;                   /* rbp */
    frame[6] = (guintptr) isle_fiber_trampoline;
    fiber->sp = frame;
  }
#elif defined(ISLE_FIBER_ASM_AARCH64)
  {
    guintptr top = ((guintptr) (fiber->stack_lo + fiber->stack_size) - ISLE_FIBER_STACK_ALIGN) &
                   ~(guintptr) (ISLE_FIBER_STACK_ALIGN - 1);
    guint64 *frame = (guint64 *) (top - ISLE_FIBER_AARCH64_FRAME_BYTES);

    memset (frame, 0, ISLE_FIBER_AARCH64_FRAME_BYTES);
    frame[0] = (guintptr) fiber;                                      /* x19 */
    frame[ISLE_FIBER_AARCH64_LR_SLOT] = (guintptr) isle_fiber_trampoline; /* x30 */
    fiber->sp = frame;
  }
#else
  getcontext (&fiber->context);
  fiber->context.uc_stack.ss_sp = fiber->stack_lo;
  /* Headroom above the stack's top, as the assembly switches keep. */
  fiber->context.uc_stack.ss_size = fiber->stack_size - ISLE_FIBER_UCONTEXT_HEADROOM;
  fiber->context.uc_link = NULL;
  makecontext (&fiber->context, (void (*) (void)) ucontext_entry, 2,
               (unsigned) ((guintptr) fiber >> 32),
               (unsigned) ((guintptr) fiber & 0xffffffffu));
#endif
}

/* Called on a fiber's stack right after it was switched to. The stack it
 * returns to when it suspends is the scheduler's that resumed it, or, after
 * a hand-off, the one the handing fiber would have returned to. */
static inline void
landed (IsleFiber *fiber,
        void      *fake_stack)
{
#ifdef ISLE_ASAN
  const void *from_lo;
  gsize from_size;

  asan_finish_switch (fake_stack, &from_lo, &from_size);
  if (fiber->handed_off)
    fiber->handed_off = FALSE;
  else
    {
      fiber->return_stack_lo = from_lo;
      fiber->return_stack_size = from_size;
    }
#else
  asan_finish_switch (fake_stack, NULL, NULL);
#endif
}

void
_isle_fiber_resume (IsleFiber *fiber)
{
  void *fake_stack = NULL;

  g_assert (!fiber->done);

  asan_start_switch (&fake_stack, fiber->stack_lo, fiber->stack_size);
  tsan_switch_in (fiber);
#if defined(ISLE_FIBER_UCONTEXT)
  swapcontext (&fiber->return_context, &fiber->context);
#else
  isle_fiber_swap (&fiber->return_sp, fiber->sp);
#endif
  asan_finish_switch (fake_stack, NULL, NULL);
}

void
_isle_fiber_suspend (IsleFiber *fiber)
{
  void *fake_stack = NULL;

#ifdef ISLE_ASAN
  asan_start_switch (&fake_stack, fiber->return_stack_lo, fiber->return_stack_size);
#endif
  tsan_switch_out (fiber);
#if defined(ISLE_FIBER_UCONTEXT)
  swapcontext (&fiber->context, &fiber->return_context);
#else
  isle_fiber_swap (&fiber->sp, fiber->return_sp);
#endif
  landed (fiber, fake_stack);
}

gboolean
_isle_fiber_can_hand_off (void)
{
#if defined(ISLE_FIBER_UCONTEXT)
  /* A ucontext_t points into itself and cannot be handed on by copying. */
  return FALSE;
#else
  return TRUE;
#endif
}

void
_isle_fiber_hand_off (IsleFiber *from,
                      IsleFiber *to)
{
#if defined(ISLE_FIBER_UCONTEXT)
  g_assert_not_reached ();
#else
  void *fake_stack = NULL;

  g_assert (!to->done);

  /* @to will return where @from would have: to the scheduler. */
  to->return_sp = from->return_sp;
# ifdef ISLE_ASAN
  to->return_stack_lo = from->return_stack_lo;
  to->return_stack_size = from->return_stack_size;
  to->handed_off = TRUE;
# endif
# ifdef ISLE_TSAN
  to->tsan_return_fiber = from->tsan_return_fiber;
  __tsan_switch_to_fiber (to->tsan_fiber, 0);
# endif

  asan_start_switch (&fake_stack, to->stack_lo, to->stack_size);
  isle_fiber_swap (&from->sp, to->sp);
  landed (from, fake_stack);
#endif
}

gboolean
_isle_fiber_is_done (IsleFiber *fiber)
{
  return fiber->done;
}

/* The size the stack was asked for, rounded to pages. */
gsize
_isle_fiber_get_stack_size (IsleFiber *fiber)
{
  return fiber->stack_size;
}
const char *
_isle_fiber_get_switch_kind (void)
{
#if defined(ISLE_FIBER_ASM_X86_64)
  return "x86_64";
#elif defined(ISLE_FIBER_ASM_AARCH64)
  return "aarch64";
#else
  return "ucontext";
#endif
}
