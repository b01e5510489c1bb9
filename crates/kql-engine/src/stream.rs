//! A query's result as it is produced: batches one at a time, under the
//! engine's memory pool and timeout, so a consumer never holds every row.

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;

use crate::deadline::Deadline;
use crate::error::EngineError;

/// The batches of one tabular result, pulled with [`QueryStream::next`].
/// The query's timeout counts from when it started, whoever is slow: the
/// engine or the consumer.
pub struct QueryStream {
    schema: SchemaRef,
    stream: SendableRecordBatchStream,
    deadline: Deadline,
    done: bool,
}

impl QueryStream {
    pub(crate) fn new(schema: SchemaRef, stream: SendableRecordBatchStream, deadline: Deadline) -> QueryStream {
        QueryStream { schema, stream, deadline, done: false }
    }

    /// Column names and Arrow types of the result.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The next batch; `None` once the result is exhausted. After an error
    /// (a runtime failure, the memory limit, the timeout) the stream ends.
    pub async fn next(&mut self) -> Option<Result<RecordBatch, EngineError>> {
        if self.done {
            return None;
        }
        let next = match self.deadline.remaining() {
            Some(left) => match tokio::time::timeout(left, self.stream.next()).await {
                Ok(n) => n.map(|r| r.map_err(crate::engine::exec_error)),
                Err(_) => Some(Err(self.deadline.error())),
            },
            None => self.stream.next().await.map(|r| r.map_err(crate::engine::exec_error)),
        };
        match &next {
            None | Some(Err(_)) => self.done = true,
            Some(Ok(_)) => {}
        }
        next
    }
}
