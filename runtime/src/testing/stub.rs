//! [`Stub`]: one operation of a generated fake (`order_service::Fake`), with a programmable
//! answer and a record of every call.

use crate::{CallError, Code, Request};
use std::sync::{Arc, Mutex, MutexGuard};

/// How a stub answers a call: a function of the request (its input and context).
type Answer<I, O> = Box<dyn FnMut(&Request<I>) -> O + Send>;

/// One operation of a fake: what it answers, and the calls it has seen.
///
/// `O` is what the operation ends with: `Result<Output, Error>`, or for a streamed output the
/// items of the stream, `Vec<Result<Output, CallError>>`. `I` is the input; a streamed input is
/// read whole first and recorded as a `Vec`. Unprogrammed, an operation with an output fails
/// with `Code::FailedPrecondition` naming it, and one without (`-> ()`, `notify`) succeeds.
/// (Not `Unimplemented`: that is a server fault, which a messaging responder retries and then
/// dead-letters, so the caller would see only its deadline pass.)
///
/// A `Stub` is a cheap handle: clones share the answer and the record.
pub struct Stub<I, O> {
    shared: Arc<Shared<I, O>>,
}

struct Shared<I, O> {
    operation: &'static str,
    calls: Mutex<Vec<Request<I>>>,
    answer: Mutex<Option<Answer<I, O>>>,
}

impl<I, O> Clone for Stub<I, O> {
    fn clone(&self) -> Self {
        Stub {
            shared: self.shared.clone(),
        }
    }
}

impl<I, O> std::fmt::Debug for Stub<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stub")
            .field("operation", &self.shared.operation)
            .field("calls", &lock(&self.shared.calls).len())
            .finish_non_exhaustive()
    }
}

impl<I: Clone, O> Stub<I, O> {
    /// The stub of `operation` (`Service.operation`, used in the unprogrammed answer).
    pub fn new(operation: &'static str) -> Self {
        Stub {
            shared: Arc::new(Shared {
                operation,
                calls: Mutex::new(Vec::new()),
                answer: Mutex::new(None),
            }),
        }
    }

    /// Answers every call with `answer` (replacing what was programmed before).
    pub fn returns(&self, answer: O)
    where
        O: Clone + Send + 'static,
    {
        self.answers(move |_| answer.clone());
    }

    /// Answers each call with what `answer` makes of its request (replacing what was programmed
    /// before). It runs under the stub's lock: it must not call the same stub.
    pub fn answers(&self, answer: impl FnMut(&Request<I>) -> O + Send + 'static) {
        *lock(&self.shared.answer) = Some(Box::new(answer));
    }

    /// Every call so far, in the order they came, with their contexts.
    pub fn calls(&self) -> Vec<Request<I>> {
        lock(&self.shared.calls).clone()
    }

    /// The input of every call so far, in order.
    pub fn inputs(&self) -> Vec<I> {
        lock(&self.shared.calls)
            .iter()
            .map(|r| r.input.clone())
            .collect()
    }

    /// How many calls came.
    pub fn count(&self) -> usize {
        lock(&self.shared.calls).len()
    }

    /// Forgets the calls seen so far (the answer stays).
    pub fn clear(&self) {
        lock(&self.shared.calls).clear();
    }

    /// Forgets the answer and the calls: the stub is as new, unprogrammed.
    pub fn reset(&self) {
        *lock(&self.shared.answer) = None;
        self.clear();
    }

    /// Records `request` and answers it; unprogrammed, answers `unanswered` of a
    /// `FailedPrecondition` failure. What a generated fake calls.
    #[doc(hidden)]
    pub fn call(&self, request: Request<I>, unanswered: impl FnOnce(CallError) -> O) -> O {
        let answer = match lock(&self.shared.answer).as_mut() {
            Some(answer) => answer(&request),
            None => unanswered(CallError::status(
                Code::FailedPrecondition,
                format!(
                    "the fake has no answer for {} (program one with `returns` or `answers`)",
                    self.shared.operation
                ),
            )),
        };
        lock(&self.shared.calls).push(request);
        answer
    }
}

/// A panicking answer leaves the stub usable: the record and answer are plain data.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A streamed input read whole, with its context: what a fake records for it.
#[doc(hidden)]
pub async fn collect<T>(request: Request<crate::BoxStream<'static, T>>) -> Request<Vec<T>> {
    use futures::StreamExt as _;
    let Request { context, input } = request;
    Request {
        context,
        input: input.collect().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Lookup = Stub<i64, Result<String, CallError>>;

    #[test]
    fn unprogrammed_it_fails_naming_the_operation_and_still_records() {
        let stub = Lookup::new("Books.get");
        let error = stub.call(Request::new(7), Err).unwrap_err();
        assert_eq!(error.code(), Code::FailedPrecondition);
        assert!(error.to_string().contains("Books.get"), "{error}");
        assert_eq!(stub.inputs(), [7]);
    }

    #[test]
    fn programmed_answers_see_the_request_and_calls_are_kept_in_order() {
        let stub = Lookup::new("Books.get");
        stub.returns(Ok("always".into()));
        assert_eq!(stub.call(Request::new(1), Err).unwrap(), "always");
        stub.answers(|r| match r.input {
            0 => Err(CallError::status(Code::NotFound, "no book 0")),
            n => Ok(format!("book {n}")),
        });
        let clone = stub.clone();
        assert_eq!(clone.call(Request::new(2), Err).unwrap(), "book 2");
        assert_eq!(
            stub.call(Request::new(0), Err).unwrap_err().code(),
            Code::NotFound
        );
        assert_eq!(stub.inputs(), [1, 2, 0], "clones share the record");
        assert_eq!(stub.count(), 3);
        stub.clear();
        assert_eq!(stub.count(), 0);
        stub.reset();
        let error = stub.call(Request::new(3), Err).unwrap_err();
        assert_eq!(error.code(), Code::FailedPrecondition, "unprogrammed again");
    }

    #[tokio::test]
    async fn a_streamed_input_is_recorded_whole() {
        let input = futures::StreamExt::boxed(futures::stream::iter([1, 2, 3]));
        let request = collect(Request::new(input)).await;
        assert_eq!(request.input, [1, 2, 3]);
    }
}
